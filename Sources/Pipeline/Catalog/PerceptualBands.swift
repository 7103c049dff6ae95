/// The 64-bit perceptual hash cut into 11 bands (nine of 6 bits, two of 5): two hashes within
/// Hamming distance 10 agree exactly on at least one band (11 bands, at most 10 differing bits),
/// so a search for distance 10 or less asks for 11 exact band values instead of reading every
/// image (multi-index hashing).
public enum PerceptualBands {
    public static let count = 11
    /// The farthest distance the bands find every match for.
    public static let maxDistance = count - 1
    public static let widths = [6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5]

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

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }
}
