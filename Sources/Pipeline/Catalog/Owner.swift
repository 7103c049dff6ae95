internal import AWSClient
import HTTPMessage

/// Whose an image is. An upload through the API is written under a key the API chose,
/// `uploads/api/{owner}/{uploadId}`, which names its owner; anything else written to the bucket
/// (an operator's own tools) belongs to the operator.
public enum Owner {
    /// The owner of every upload that did not come through the API.
    public static let operatorId = "operator"
    /// Where the API's presigned forms put uploads.
    public static let apiUploadPrefix = "uploads/api/"

    /// The owner id of a token's subject: opaque, fixed length and safe in keys whatever the
    /// issuer's `sub` looks like, and never equal to ``operatorId``.
    public static func id(subject: String) -> String {
        "u-" + Digest.sha256Hex(subject).prefix(32)
    }

    /// The key of upload `uploadId` of `owner`.
    public static func uploadKey(owner: String, uploadId: String) -> String {
        "\(apiUploadPrefix)\(owner)/\(uploadId)"
    }

    /// The owner (and API upload id) an uploaded key names.
    public static func of(key: String) -> (owner: String, uploadId: String?) {
        guard key.hasPrefix(apiUploadPrefix) else { return (operatorId, nil) }
        let parts = key.dropFirst(apiUploadPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasPrefix("u-") || parts[0] == operatorId, !parts[1].isEmpty else { return (operatorId, nil) }
        return (String(parts[0]), String(parts[1]))
    }
}

extension ImageJob {
    /// Whose image this is (by its upload's key).
    public var owner: String { Owner.of(key: source.key).owner }
}

extension ImageMetadata {
    /// The camera as a person names it: make and model, the make once ("Canon EOS R5", not
    /// "Canon Canon EOS R5"); nil when neither is known.
    public var camera: String? {
        let make = (make ?? "").trimmingWhitespace()
        let model = (model ?? "").trimmingWhitespace()
        if model.isEmpty { return make.isEmpty ? nil : make }
        let brand = make.lowercased().split(separator: " ").first.map(String.init) ?? ""
        return brand.isEmpty || model.lowercased().hasPrefix(brand) ? model : "\(make) \(model)"
    }
}

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
