import MediaTypes

extension ImageFormat {
    /// The libvips loaders allowed to open this format (buffer loaders). A polyglot whose magic
    /// bytes say one thing while libvips would pick another loader is refused.
    var loaders: Set<String> {
        switch self {
        case .jpeg: ["VipsForeignLoadJpegBuffer"]
        case .png: ["VipsForeignLoadPngBuffer"]
        case .webp: ["VipsForeignLoadWebpBuffer"]
        case .gif: ["VipsForeignLoadNsgifBuffer", "VipsForeignLoadGifBuffer"]
        case .heic, .avif: ["VipsForeignLoadHeifBuffer"]
        case .tiff: ["VipsForeignLoadTiffBuffer"]
        }
    }
}
