public import Pipeline
import Signing

/// What the API needs to know beyond its stores.
public struct APIConfig: Sendable {
    public var uploadsBucket: String
    public var derivedBucket: String
    public var archiveBucket: String
    /// The largest upload a form accepts.
    public var maxBytes: Int
    /// How long an upload form is good for, in seconds (at most 15 minutes).
    public var uploadExpiry: Int
    /// The HMAC key that seals list cursors, derived from the API secret for that purpose alone.
    public var cursorKey: [UInt8]
    /// The HMAC key that signs upload ids, derived from the API secret for that purpose alone: a
    /// cursor's seal can never pass for an upload id's, nor the other way round.
    public var uploadIdKey: [UInt8]
    /// The token subject that sees the uploads written to the bucket directly; nil: no one.
    public var operatorSubject: String?
    public var layout: StorageLayout
    /// What each owner may upload (docs/api.md, "Quotas"); counted where ``ImageAPI/usage`` is.
    public var quotas: QuotaLimits

    public init(
        uploadsBucket: String, derivedBucket: String, archiveBucket: String, maxBytes: Int, uploadExpiry: Int = 900,
        apiSecret: [UInt8], operatorSubject: String?, layout: StorageLayout = .aws, quotas: QuotaLimits = .unlimited
    ) {
        self.uploadsBucket = uploadsBucket
        self.derivedBucket = derivedBucket
        self.archiveBucket = archiveBucket
        self.maxBytes = maxBytes
        self.uploadExpiry = min(max(uploadExpiry, 60), 900)
        cursorKey = Self.derivedKey(apiSecret, purpose: "cursor")
        uploadIdKey = Self.derivedKey(apiSecret, purpose: "upload-id")
        self.operatorSubject = operatorSubject
        self.layout = layout
        self.quotas = quotas
    }

    /// The content types a form may declare: the formats validate accepts.
    public static let acceptedTypes: Set<String> = [
        "image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif", "image/avif", "image/tiff",
    ]

    /// A key for one purpose: HMAC-SHA256 of the purpose's label under the secret (the extract
    /// step is unneeded, the secret being uniformly random already). Rotating the secret rotates
    /// every derived key together (docs/api.md, "Rotating the API secret").
    static func derivedKey(_ secret: [UInt8], purpose: String) -> [UInt8] {
        Digest.hmacSHA256(key: secret, message: Array("darkroom/api/\(purpose)/v1".utf8))
    }
}
