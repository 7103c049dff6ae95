internal import CVips
import MediaTypes

/// What an input's header says, read without decoding pixels, after every limit was checked.
public struct ImageHeader: Sendable {
    /// The format found by magic bytes (and confirmed by libvips' choice of loader).
    public var format: ImageFormat
    /// Stored width and height, before orientation.
    public var storedWidth: Int
    public var storedHeight: Int
    /// EXIF orientation, 1-8 (1 when absent or out of range).
    public var orientation: Int
    /// Pages or frames (1 for a still image).
    public var pages: Int
    /// Bands, alpha included.
    public var bands: Int
    /// Bits per sample.
    public var bitsPerSample: Int
    /// Colour space as libvips names it ("srgb", "cmyk", "b-w", "rgb16", ...).
    public var interpretation: String
    /// Whether the image has an alpha band.
    public var hasAlpha: Bool
    /// The lazily opened image, for metadata fields (EXIF, ICC).
    let image: Image

    /// Width as displayed, after orientation.
    public var width: Int { orientation >= 5 ? storedHeight : storedWidth }
    /// Height as displayed, after orientation.
    public var height: Int { orientation >= 5 ? storedWidth : storedHeight }
    /// Whether the input is animated (or multi-page).
    public var isAnimated: Bool { pages > 1 }

    /// Checks byte count, magic bytes, loader and declared dimensions, in that order, so that the
    /// cheapest check that can refuse an input runs first and no pixel is decoded.
    /// - Throws: `ImageError`: `.empty`, `.tooLarge`, `.unsupportedFormat`, `.corrupt`,
    ///   `.tooManyPixels` or `.tooManyFrames`.
    public static func read(_ source: ImageSource, limits: ImageLimits) throws -> ImageHeader {
        try Vips.start()
        try limits.checkByteCount(source.count)
        let format: ImageFormat
        switch FormatDetection(prefix: source.prefix(1024)) {
        case .accepted(let found): format = found
        case .rejected(let found):
            throw ImageError(
                .unsupportedFormat, "found \(found); accepted formats are JPEG, PNG, WebP, GIF, HEIC/AVIF and TIFF")
        }
        if format == .heic || format == .avif { try Vips.requireHEIF() }
        let bytes = UnsafeRawBufferPointer(start: source.bytes.baseAddress, count: source.count)
        if format == .tiff { try TIFFSupport.check(bytes) }
        if let declared = DeclaredSize.read(bytes, format: format) {
            try limits.checkDimensions(width: declared.width, height: declared.height, pages: 1)
        }
        let loaderName = try VipsErrors.attributed {
            guard let name = vips_foreign_find_load_buffer(source.bytes.baseAddress, source.count) else {
                throw ImageError.vips(
                    .corrupt, "the bytes start like \(format.rawValue.uppercased()) but no loader accepts them")
            }
            return name
        }
        let loader = String(cString: loaderName)
        guard format.loaders.contains(loader) else {
            // Damaged, or a polyglot: either way not a readable file of the format it claims.
            throw ImageError(
                .corrupt,
                "the bytes start like \(format.rawValue.uppercased()) but are not a readable \(format.rawValue.uppercased()) (libvips would load them as \(loader))"
            )
        }
        let pointer: UnsafeMutablePointer<VipsImage>
        do {
            pointer = try VipsErrors.attributed {
                guard let pointer = CVips_image_new_from_buffer(source.bytes.baseAddress, source.count, "fail_on=error")
                else {
                    throw ImageError.vips(.corrupt, "cannot read the \(format.rawValue.uppercased()) header")
                }
                return pointer
            }
        } catch let error as ImageError where error.message.contains("Security limit exceeded") {
            // libheif refuses declared sizes over its own limit before libvips sees them.
            throw ImageError(.tooManyPixels, error.message)
        }
        let image = Image(owning: pointer, keepAlive: source)
        let pages = max(Int(vips_image_get_n_pages(pointer)), 1)
        try limits.checkDimensions(width: image.width, height: image.height, pages: pages)
        let orientation = image.int("orientation") ?? 1
        return ImageHeader(
            format: format, storedWidth: image.width, storedHeight: image.height,
            orientation: (1...8).contains(orientation) ? orientation : 1, pages: pages,
            bands: image.bands, bitsPerSample: image.bitsPerSample,
            interpretation: image.interpretation, hasAlpha: image.hasAlpha, image: image)
    }
}
