import Signing

/// The object an image came from.
public struct SourceObject: Codable, Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var versionId: String?
    public var etag: String?
    public var size: Int

    public init(bucket: String, key: String, versionId: String? = nil, etag: String? = nil, size: Int) {
        self.bucket = bucket
        self.key = key
        self.versionId = versionId
        self.etag = etag
        self.size = size
    }
}

/// One published output.
public struct Variant: Codable, Sendable, Equatable {
    public var name: String
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var bucket: String
    public var key: String
    public var contentType: String

    public init(
        name: String, format: String, width: Int, height: Int, bytes: Int, bucket: String, key: String,
        contentType: String
    ) {
        self.name = name
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.bucket = bucket
        self.key = key
        self.contentType = contentType
    }
}

/// A face found by moderation, as fractions of the image.
public struct FaceBox: Codable, Sendable, Equatable {
    public var left: Double
    public var top: Double
    public var width: Double
    public var height: Double
    public var confidence: Double

    public init(left: Double, top: Double, width: Double, height: Double, confidence: Double) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        self.confidence = confidence
    }
}

/// What moderation decided.
/// What moderation decided. The state machine's Pass state and Choice and web/app.js spell these
/// words too; `VocabularyTests` holds them to this type.
public enum ModerationVerdict: String, Codable, Sendable, CaseIterable {
    /// Moderation is off: nothing looked at the image.
    case skipped
    /// Looked at, nothing found: the image is published.
    case passed
    /// Looked at, labels found: the image is QUARANTINED, nothing published.
    case flagged
}

public struct ModerationResult: Codable, Sendable, Equatable {
    public var status: ModerationVerdict
    public var labels: [String]
    public var faces: Int?
    public var faceBoxes: [FaceBox]?

    public init(status: ModerationVerdict, labels: [String] = [], faces: Int? = nil) {
        self.status = status
        self.labels = labels
        self.faces = faces
    }
}

/// Where the archive stage put things.
public struct ArchiveRecord: Codable, Sendable, Equatable {
    public var bucket: String
    public var prefix: String
    public var keys: [String]

    public init(bucket: String, prefix: String, keys: [String]) {
        self.bucket = bucket
        self.prefix = prefix
        self.keys = keys
    }
}

/// The state that passes from stage to stage (the Step Functions payload). Small by design: far
/// below the 256 KB limit.
public struct ImageJob: Codable, Sendable, Equatable {
    public var imageId: String
    public var source: SourceObject
    /// ISO 8601 UTC time the pipeline first saw the upload.
    public var receivedAt: String
    public var format: String?
    public var contentType: String?
    public var sha256: String?
    public var metadata: ImageMetadata?
    public var variants: [Variant]
    public var moderation: ModerationResult?
    public var archive: ArchiveRecord?
    /// Set only in a rederive run: the variant set to render instead of the configured one.
    public var rederive: RederiveOrder?

    public init(source: SourceObject, receivedAt: String) {
        self.imageId = Self.imageId(for: source)
        self.source = source
        self.receivedAt = receivedAt
        self.variants = []
    }

    /// The deterministic id of an upload: the same bucket, key and version (or ETag) always give the
    /// same id, so a duplicate event finds the record of the first.
    public static func imageId(for source: SourceObject) -> String {
        let version = source.versionId ?? source.etag ?? "size:\(source.size)"
        return String(Digest.sha256Hex("\(source.bucket)\n\(source.key)\n\(version)").prefix(32))
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imageId = try c.decode(String.self, forKey: .imageId)
        source = try c.decode(SourceObject.self, forKey: .source)
        receivedAt = try c.decode(String.self, forKey: .receivedAt)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        contentType = try c.decodeIfPresent(String.self, forKey: .contentType)
        sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
        metadata = try c.decodeIfPresent(ImageMetadata.self, forKey: .metadata)
        variants = try c.decodeIfPresent([Variant].self, forKey: .variants) ?? []
        moderation = try c.decodeIfPresent(ModerationResult.self, forKey: .moderation)
        archive = try c.decodeIfPresent(ArchiveRecord.self, forKey: .archive)
        rederive = try c.decodeIfPresent(RederiveOrder.self, forKey: .rederive)
    }
}
