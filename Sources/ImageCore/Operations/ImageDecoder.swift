internal import CVips

/// Decodes an input once, as small as its largest output needs.
public enum ImageDecoder {
    /// Decodes `source` to fit inside the box: shrink-on-load for JPEG, WebP and HEIF, auto-orient
    /// from EXIF, embedded ICC profile (or a CMYK fallback) converted to sRGB, 16-bit brought to
    /// 8-bit, alpha kept. The result lives in memory and carries no metadata at all (EXIF, XMP, IPTC,
    /// ICC, orientation): everything made from it is safe to publish. An unreadable profile is
    /// ignored (``EmbeddedProfile/unreadable``).
    ///
    /// Decoding fails on the first error libvips meets, so a truncated or damaged input never comes
    /// out as a half-grey picture.
    /// - Throws: `ImageError` `.corrupt` when the pixels cannot be decoded.
    public static func decode(_ source: ImageSource, header: ImageHeader, box: (width: Int, height: Int)) throws
        -> Image
    {
        try VipsErrors.attributed {
            try Vips.start()
            var output: UnsafeMutablePointer<VipsImage>?
            // Colour-manage only an image that has a usable profile (or is CMYK, which libvips
            // converts with its CMYK fallback): asked to export sRGB from an untagged image, libvips
            // 8.14 shifts saturated colours (sRGB blue 0,0,254 comes out 84,15,253). An unreadable
            // profile is ignored: the pixels are taken as sRGB.
            let hasProfile = header.profile == .usable
            let status = CVips_thumbnail_buffer(
                source.bytes.baseAddress, source.count, &output, Int32(box.width), Int32(box.height),
                VIPS_SIZE_DOWN, "fail_on=error", header.interpretation == "cmyk" ? "cmyk" : nil,
                hasProfile ? "srgb" : nil)
            guard status == 0, let output else {
                throw ImageError.vips(.corrupt, "cannot decode the \(header.format.rawValue.uppercased()) image")
            }
            var image = Image(owning: output, keepAlive: source)
            image = try image.inSRGB8()
            // Bring the pixels into memory now, while the source is alive: this is the one decode, and
            // every output is derived from it.
            guard let memory = vips_image_copy_memory(image.pointer) else {
                throw ImageError.vips(.corrupt, "cannot decode the \(header.format.rawValue.uppercased()) image")
            }
            let decoded = Image(owning: memory)
            decoded.removeMetadata()
            return decoded
        }
    }
}

extension ImageDecoder {
    /// One output straight from `source`, streamed (nothing held in memory between the decode and
    /// the caller's encode): shrink-on-load, auto-orient, colour-managed as ``decode(_:header:box:)``
    /// does, scaled to exactly `size` (`cover`: to fill it, then cropped to it by attention). For a
    /// rendition, where one decode makes one output.
    ///
    /// The returned image reads `source` lazily: encode it before `source` goes (it keeps it alive).
    /// - Throws: `ImageError` `.corrupt` when the pixels cannot be decoded.
    public static func thumbnail(
        _ source: ImageSource, header: ImageHeader, size: (width: Int, height: Int), cover: Bool
    ) throws -> Image {
        try VipsErrors.attributed {
            try Vips.start()
            var output: UnsafeMutablePointer<VipsImage>?
            let hasProfile = header.profile == .usable
            // Exactly the size asked: "force" for a fit (the size keeps the shape to a pixel of
            // rounding), "both" for a crop (a source a rounding pixel short of the box is made up).
            let status = CVips_thumbnail_buffer_crop(
                source.bytes.baseAddress, source.count, &output, Int32(size.width), Int32(size.height),
                cover ? VIPS_SIZE_BOTH : VIPS_SIZE_FORCE, cover ? VIPS_INTERESTING_ATTENTION : VIPS_INTERESTING_NONE,
                "fail_on=error", header.interpretation == "cmyk" ? "cmyk" : nil, hasProfile ? "srgb" : nil)
            guard status == 0, let output else {
                throw ImageError.vips(.corrupt, "cannot decode the \(header.format.rawValue.uppercased()) image")
            }
            return try Image(owning: output, keepAlive: source).inSRGB8()
        }
    }
}

extension Image {
    /// The image as 8-bit sRGB (with alpha when it has alpha).
    func inSRGB8() throws -> Image {
        var image = self
        if image.interpretation != "srgb" || image.bitsPerSample != 8 {
            image = try Operation("colourspace").set("in", image).set("space", "srgb").run()
        }
        if image.bitsPerSample != 8 {
            image = try Operation("cast").set("in", image).set("format", "uchar").run()
        }
        return image
    }

    /// Removes every metadata field a published output must not carry. Only call on an image no
    /// one else holds yet (a fresh copy), since libvips images are shared.
    func removeMetadata() {
        for name in fieldNames where Self.isPrivateField(name) {
            vips_image_remove(pointer, name)
        }
    }

    static func isPrivateField(_ name: String) -> Bool {
        name.hasPrefix("exif-") || name.hasPrefix("xmp-") || name.hasPrefix("iptc-") || name == "icc-profile-data"
            || name == "orientation" || name.hasPrefix("png-comment") || name == "gif-comment"
            || name.hasPrefix("heif-") || name == "photoshop-data"
    }
}

extension Operation {
    /// Builds the operation and returns its `out` image.
    func run() throws -> Image {
        try build(failingWith: .internalFailure)
        return try image()
    }
}
