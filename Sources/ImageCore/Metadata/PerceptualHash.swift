/// A 64-bit difference hash (dHash) of an image as displayed: near-duplicates (re-encoded, resized,
/// lightly edited) differ in few bits.
public enum PerceptualHash {
    /// The hash of `source`, as 16 lowercase hex digits. Decodes with shrink-on-load to 9x8.
    /// - Throws: `ImageError` `.corrupt` when the input cannot be decoded.
    public static func dHash(_ source: ImageSource, header: ImageHeader) throws -> String {
        try VipsErrors.attributed {
            let decoded = try ImageDecoder.decode(source, header: header, box: (64, 64))
            return try dHash(of: decoded)
        }
    }

    /// The hash of an image already decoded.
    /// - Throws: `ImageError` when libvips fails.
    public static func dHash(of image: Image) throws -> String {
        try VipsErrors.attributed {
            let small = try Operation("thumbnail_image").set("in", image)
            try small.set("width", 9).set("height", 8).set("size", "force").set("no-rotate", true)
            var grey = try small.run()
            if grey.hasAlpha {
                grey = try Operation("flatten").set("in", grey).set("background", "255 255 255").run()
            }
            grey = try Operation("colourspace").set("in", grey).set("space", "b-w").run().cast(toUchar: true)
            let pixels = try grey.bytes()
            guard pixels.count == 9 * 8 else {
                throw ImageError(.internalFailure, "dHash expected 72 grey pixels, got \(pixels.count)")
            }
            var bits: UInt64 = 0
            for y in 0..<8 {
                for x in 0..<8 {
                    bits = bits << 1 | (pixels[y * 9 + x] > pixels[y * 9 + x + 1] ? 1 : 0)
                }
            }
            let hex = String(bits, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// How many of the 64 bits two hashes differ in (0 for the same picture).
    public static func distance(_ a: String, _ b: String) -> Int? {
        guard let x = UInt64(a, radix: 16), let y = UInt64(b, radix: 16) else { return nil }
        return (x ^ y).nonzeroBitCount
    }
}
