public import Pipeline

/// What the API needs to know beyond its stores.
public struct APIConfig: Sendable {
    public var uploadsBucket: String
    public var derivedBucket: String
    public var archiveBucket: String
    /// The largest upload a form accepts.
    public var maxBytes: Int
    /// How long an upload form is good for, in seconds (at most 15 minutes).
    public var uploadExpiry: Int
    /// The HMAC key that seals list cursors.
    public var cursorKey: [UInt8]
    /// The token subject that sees the uploads written to the bucket directly; nil: no one.
    public var operatorSubject: String?
    public var layout: StorageLayout

    public init(
        uploadsBucket: String, derivedBucket: String, archiveBucket: String, maxBytes: Int, uploadExpiry: Int = 900,
        cursorKey: [UInt8], operatorSubject: String?, layout: StorageLayout = .aws
    ) {
        self.uploadsBucket = uploadsBucket
        self.derivedBucket = derivedBucket
        self.archiveBucket = archiveBucket
        self.maxBytes = maxBytes
        self.uploadExpiry = min(max(uploadExpiry, 60), 900)
        self.cursorKey = cursorKey
        self.operatorSubject = operatorSubject
        self.layout = layout
    }

    /// The content types a form may declare: the formats validate accepts.
    public static let acceptedTypes: Set<String> = [
        "image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif", "image/avif", "image/tiff",
    ]
}
