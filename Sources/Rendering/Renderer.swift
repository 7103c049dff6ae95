public import ImageCore
public import MediaTypes

/// One rendition made from one source: decoded as small as the output needs, fitted to the size
/// the request gives for the original (so a render from a stored variant is the size of the same
/// render from the original), oriented, stripped, encoded.
public enum Renderer {
    /// An encoded rendition.
    public struct Output: Sendable {
        public var bytes: [UInt8]
        public var width: Int
        public var height: Int
        public var format: OutputFormat
    }

    /// The WebP effort renditions are encoded at (docs/renditions.md: effort 2 is within a few
    /// per cent of 4's size in about 60% of its time on the bench's photos).
    public static let webpEffort = 2
    /// The AVIF effort: libheif's AV1 speed; higher is slower and smaller.
    public static let avifEffort = 2

    /// The size the rendition will have, from the original's size as displayed.
    public static func outputSize(_ request: ResizeRequest, original: (width: Int, height: Int)) -> (
        width: Int, height: Int
    ) {
        request.outputSize(fromWidth: original.width, height: original.height)
    }

    /// Renders `source` (the original, or a variant of it) into `request`'s box.
    /// - Parameters:
    ///   - original: the original's size as displayed (after EXIF orientation).
    ///   - format: the output's format, chosen by the caller (``FormatNegotiation``).
    ///   - effort: the WebP or AVIF effort; nil for ``webpEffort`` and ``avifEffort``.
    /// - Throws: `ImageError` for a source that does not decode.
    public static func render(
        _ source: ImageSource, original: (width: Int, height: Int), request: ResizeRequest, format: OutputFormat,
        quality: Int, limits: ImageLimits, effort: Int? = nil
    ) throws -> Output {
        let header = try ImageHeader.read(source, limits: limits)
        // The size from the original's, whatever the source: a render from a stored variant is the
        // size of the same render from the original. One streamed decode to exactly that size.
        let size = request.outputSize(fromWidth: original.width, height: original.height)
        let image = try ImageDecoder.thumbnail(source, header: header, size: size, cover: request.mode == .cover)
        let effort = effort ?? (format == .webp ? webpEffort : format == .avif ? avifEffort : nil)
        let bytes = try image.encoded(as: format, options: EncodeOptions(quality: quality, effort: effort))
        return Output(bytes: bytes, width: image.width, height: image.height, format: format)
    }
}
