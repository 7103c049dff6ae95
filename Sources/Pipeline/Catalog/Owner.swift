import Signing
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
        guard parts.count == 2, parts[0].hasPrefix("u-") || parts[0] == operatorId, !parts[1].isEmpty else {
            return (operatorId, nil)
        }
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
