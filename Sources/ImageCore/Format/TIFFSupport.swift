/// The TIFFs Darkroom reads, told by the first image's tags before a decoder sees it, the same way
/// on every libvips: the compressions photographs are saved with (the layer's libtiff is built with
/// exactly these), in the layouts libvips decodes. Anything else is refused as
/// `unsupported_format`, naming what it is: the file is not broken, Darkroom cannot read it.
enum TIFFSupport {
    /// Accepted values of the Compression tag (259): none, LZW, JPEG, Deflate (both codes) and PackBits.
    static let accepted: Set<Int> = [1, 5, 7, 8, 32946, 32773]

    /// Names of common ones Darkroom refuses, for the message.
    private static let refused: [Int: String] = [
        2: "CCITT RLE", 3: "CCITT Group 3 fax", 4: "CCITT Group 4 fax", 6: "old-style JPEG", 34661: "JBIG",
        34676: "SGI LogLuv", 34677: "SGI LogLuv", 32809: "ThunderScan", 32766: "NeXT", 32908: "PixarFilm",
        32909: "PixarLog", 34925: "LZMA", 50000: "ZSTD", 50001: "WebP", 34887: "LERC", 34712: "JPEG 2000",
    ]

    /// Checks the first image's compression (a TIFF without the tag is uncompressed) and layout.
    /// - Throws: `ImageError` `.unsupportedFormat` for a compression not in ``accepted``, or tiles
    ///   in separate planes (PlanarConfiguration 2 with TileWidth), which libvips 8.14 cannot read.
    static func check(_ bytes: UnsafeRawBufferPointer) throws {
        // The magic bytes were checked already; a header too short to read is libvips' to refuse.
        guard let reader = TIFFReader(bytes) else { return }
        let entries = reader.entries(atIFD: reader.firstIFDOffset)
        let compression = reader.integer(entries[259]) ?? 1
        if !accepted.contains(compression) {
            let name = refused[compression].map { "\($0) (\(compression))" } ?? "compression \(compression)"
            throw ImageError(
                .unsupportedFormat,
                "a TIFF compressed with \(name); accepted TIFF compressions are none, LZW, Deflate, JPEG and PackBits")
        }
        let separatePlanes = reader.integer(entries[284]) == 2, tiled = entries[322] != nil
        if separatePlanes && tiled {
            throw ImageError(
                .unsupportedFormat,
                "a TIFF in tiles with each colour in a plane of its own (tiled, PlanarConfiguration 2); Darkroom reads tiles of interleaved colour, and strips either way"
            )
        }
    }
}
