/// The TIFF compressions Darkroom reads: those photographs are saved with. The layer's libtiff is
/// built with exactly these, so a TIFF in any other (CCITT fax, JBIG, LERC, old-style JPEG, ZSTD,
/// ...) is refused by its header here, the same way on every libvips, before a decoder sees it.
enum TIFFCompression {
    /// Accepted values of the Compression tag (259): none, LZW, JPEG, Deflate (both codes) and PackBits.
    static let accepted: Set<Int> = [1, 5, 7, 8, 32946, 32773]

    /// Names of common ones Darkroom refuses, for the message.
    private static let refused: [Int: String] = [
        2: "CCITT RLE", 3: "CCITT Group 3 fax", 4: "CCITT Group 4 fax", 6: "old-style JPEG", 34661: "JBIG",
        34676: "SGI LogLuv", 34677: "SGI LogLuv", 32809: "ThunderScan", 32766: "NeXT", 32908: "PixarFilm",
        32909: "PixarLog", 34925: "LZMA", 50000: "ZSTD", 50001: "WebP", 34887: "LERC", 34712: "JPEG 2000"]

    /// Checks the first image's compression (a TIFF without the tag is uncompressed).
    /// - Throws: `ImageError` `.unsupportedFormat` for a compression not in ``accepted``.
    static func check(_ bytes: UnsafeRawBufferPointer) throws {
        // The magic bytes were checked already; a header too short to read is libvips' to refuse.
        guard let reader = TIFFReader(bytes) else { return }
        let entries = reader.entries(atIFD: reader.firstIFDOffset)
        let compression = reader.integer(entries[259]) ?? 1
        guard !accepted.contains(compression) else { return }
        let name = refused[compression].map { "\($0) (\(compression))" } ?? "compression \(compression)"
        throw ImageError(.unsupportedFormat, "a TIFF compressed with \(name); accepted TIFF compressions are none, LZW, Deflate, JPEG and PackBits")
    }
}
