internal import CVips

/// One libvips image, owned: released when the last Swift reference goes.
///
/// libvips images are immutable once built, so sharing one between tasks is safe.
public final class Image: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<VipsImage>
    // What the image reads its pixels from lazily (the source bytes): kept alive with it.
    private let keepAlive: AnyObject?

    init(owning pointer: UnsafeMutablePointer<VipsImage>, keepAlive: AnyObject? = nil) {
        self.pointer = pointer
        self.keepAlive = keepAlive
    }

    deinit { g_object_unref(pointer) }

    /// Width in pixels.
    public var width: Int { Int(vips_image_get_width(pointer)) }
    /// Height in pixels (of one page, for a multi-page image opened as a single page).
    public var height: Int { Int(vips_image_get_height(pointer)) }
    /// Number of bands, alpha included.
    public var bands: Int { Int(vips_image_get_bands(pointer)) }
    /// Whether the last band is alpha.
    public var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
    /// Bits per sample of the band format (8 for uchar, 16 for ushort, ...).
    public var bitsPerSample: Int {
        Int(vips_format_sizeof(vips_image_get_format(pointer))) * 8
    }
    /// The colour space libvips believes the pixels are in, as libvips names it ("srgb", "cmyk", ...).
    public var interpretation: String {
        String(
            cString: vips_enum_nick(
                vips_interpretation_get_type(), Int32(vips_image_get_interpretation(pointer).rawValue)))
    }

    /// Names of every metadata field attached to the image.
    var fieldNames: [String] {
        guard let fields = vips_image_get_fields(pointer) else { return [] }
        defer { g_strfreev(fields) }
        var names: [String] = []
        var index = 0
        while let name = fields[index] {
            names.append(String(cString: name))
            index += 1
        }
        return names
    }

    /// An integer metadata field, or nil when absent.
    func int(_ field: String) -> Int? {
        guard vips_image_get_typeof(pointer, field) != 0 else { return nil }
        var value: Int32 = 0
        // Not clearing libvips' error buffer on failure: it may hold another call's words.
        guard vips_image_get_int(pointer, field, &value) == 0 else { return nil }
        return Int(value)
    }

    /// A blob metadata field (EXIF block, ICC profile) as bytes, or nil when absent.
    func blob(_ field: String) -> [UInt8]? {
        withBlob(field) { Array($0) }
    }

    /// The size of a blob metadata field, read without copying it; nil when absent.
    func blobLength(_ field: String) -> Int? {
        withBlob(field) { $0.count }
    }

    private func withBlob<T>(_ field: String, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        guard vips_image_get_typeof(pointer, field) != 0 else { return nil }
        var data: UnsafeRawPointer?
        var length = 0
        guard vips_image_get_blob(pointer, field, &data, &length) == 0, let data else { return nil }
        return body(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// The bands of the pixel at (x, y).
    /// - Throws: `ImageError` when the pixels cannot be computed.
    public func pixel(x: Int, y: Int) throws -> [Double] {
        try VipsErrors.attributed {
            let operation = try Operation("getpoint").set("in", self)
            try operation.set("x", x).set("y", y)
            try operation.build(failingWith: .internalFailure)
            return operation.doubles("out-array")
        }
    }

    /// Every pixel, band-interleaved, row after row (decodes the image if it is not in memory yet).
    /// - Throws: `ImageError` when the pixels cannot be computed.
    public func bytes() throws -> [UInt8] {
        try VipsErrors.attributed {
            var size = 0
            guard let memory = vips_image_write_to_memory(pointer, &size) else {
                throw ImageError.vips(.internalFailure, "cannot compute the pixels")
            }
            defer { g_free(memory) }
            return Array(UnsafeRawBufferPointer(start: memory, count: size))
        }
    }
}
