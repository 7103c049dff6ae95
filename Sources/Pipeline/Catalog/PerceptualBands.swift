/// The 64-bit perceptual hash cut into 6 bands (four of 11 bits, two of 10), searched with radius
/// one: two hashes within Hamming distance 11 differ in at most one bit of at least one band (six
/// bands with two or more differing bits each would make 12), so a search asks for each band's
/// value and its one-bit neighbours, 70 exact band values, instead of reading every image
/// (multi-index hashing). Each completed image writes one item per band: six write units, where
/// 11 bands searched exactly wrote 11 (docs/api.md: writes are paid by every image, reads by searches).
public enum PerceptualBands {
    public static let widths = [11, 11, 11, 11, 10, 10]
    public static var count: Int { widths.count }
    /// How many bits of a band a probe may differ in.
    public static let radius = 1
    /// The farthest distance the probes find every match for.
    public static var reach: Int { (radius + 1) * count - 1 }
    /// The farthest distance a similar search goes (the API's default and its limit).
    public static let maxDistance = 10

    /// The hash of 16 hex digits as a number; nil when it is not one.
    public static func value(_ phash: String) -> UInt64? {
        phash.utf8.count == 16 ? UInt64(phash, radix: 16) : nil
    }

    /// The value of each band, in order.
    public static func bands(_ hash: UInt64) -> [UInt64] {
        var shift = 0
        return widths.map { width in
            defer { shift += width }
            return (hash >> UInt64(shift)) & ((1 << UInt64(width)) - 1)
        }
    }

    /// The (band, value) pairs a search for `hash` looks up: each band's own value, then the
    /// values one bit away from it.
    public static func probes(_ hash: UInt64) -> [(band: Int, value: UInt64)] {
        zip(widths, bands(hash)).enumerated().flatMap { index, band in
            [(index, band.1)] + (0..<band.0).map { bit in (index, band.1 ^ (1 << UInt64(bit))) }
        }
    }

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }
}
