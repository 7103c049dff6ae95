public import MediaTypes

/// Encoder settings for one output.
public struct EncodeOptions: Sendable, Equatable, Hashable {
    /// 1-100, for the lossy formats.
    public var quality: Int
    /// Progressive JPEG (interlaced PNG is never worth its size).
    public var progressive: Bool
    /// The WebP or AVIF encoder's effort (WebP 0-6, AVIF 0-9); nil for the variants' own (WebP 4,
    /// AVIF 2). JPEG and PNG ignore it.
    public var effort: Int?

    public init(quality: Int = 82, progressive: Bool = true, effort: Int? = nil) {
        self.quality = min(max(quality, 1), 100)
        self.progressive = progressive
        self.effort = effort.map { min(max($0, 0), 9) }
    }
}

extension Image {
    /// Encodes this image for publication: JPEG flattened on white, alpha kept elsewhere, and no
    /// EXIF, XMP, IPTC or ICC data in the output whatever the saver's own `strip` handling does.
    /// - Throws: `ImageError` `.encodeFailed` with libvips' message.
    public func encoded(as format: OutputFormat, options: EncodeOptions = EncodeOptions()) throws -> [UInt8] {
        try VipsErrors.attributed {
            var image = try Operation("copy").set("in", self).run()
            image.removeMetadata()
            if format == .jpeg && image.hasAlpha {
                image = try Operation("flatten").set("in", image).set("background", "255 255 255").run()
                image = try image.cast(toUchar: true)
            }
            let saver: Operation
            switch format {
            case .jpeg:
                saver = try Operation("jpegsave_buffer").set("in", image)
                // A progressive JPEG's Huffman tables are always optimised (libjpeg-turbo): asking again
                // costs a pass and changes no byte (checked over 270 sizes and qualities).
                try saver.set("Q", options.quality).set("interlace", options.progressive)
                    .set("optimize-coding", !options.progressive)
            case .png:
                saver = try Operation("pngsave_buffer").set("in", image)
                try saver.set("compression", 6)
            case .webp:
                saver = try Operation("webpsave_buffer").set("in", image)
                try saver.set("Q", options.quality).set("effort", min(options.effort ?? 4, 6))
            case .avif:
                try Vips.requireHEIF()
                saver = try Operation("heifsave_buffer").set("in", image)
                try saver.set("Q", options.quality).set("compression", "av1").set("effort", options.effort ?? 2)
            }
            try saver.set("strip", true)
            try saver.build(failingWith: .encodeFailed)
            return format == .webp ? WebPMetadataStripper.strip(saver.bytes()) : saver.bytes()
        }
    }
}
