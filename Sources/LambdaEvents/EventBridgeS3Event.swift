/// EventBridge's event from S3 (`"source": "aws.s3"`; the uploads are `"detail-type": "Object
/// Created"`). One definition both ways: the stage functions decode it, the reconciler's Step
/// Functions starter encodes it (an execution started again reads the same event an upload sends),
/// and the harness's copies are held to `events/validate.json` by `LambdaEventsTests`.
public struct EventBridgeS3Event: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public struct Bucket: Codable, Sendable, Equatable {
            public var name: String
            public init(name: String) { self.name = name }
        }
        public struct Object: Codable, Sendable, Equatable {
            /// Not encoded in EventBridge events.
            public var key: String
            public var size: Int?
            public var etag: String?
            public var versionId: String?

            public init(key: String, size: Int?, etag: String?, versionId: String?) {
                self.key = key
                self.size = size
                self.etag = etag
                self.versionId = versionId
            }

            enum CodingKeys: String, CodingKey {
                case key, size, etag
                case versionId = "version-id"
            }
        }
        public var bucket: Bucket
        public var object: Object
        /// What made the object (`PutObject`, `CompleteMultipartUpload`, ...).
        public var reason: String?

        public init(bucket: Bucket, object: Object, reason: String? = nil) {
            self.bucket = bucket
            self.object = object
            self.reason = reason
        }
    }

    /// The detail type of an upload.
    public static let objectCreated = "Object Created"

    public var version: String?
    public var id: String?
    public var source: String
    public var detailType: String
    public var resources: [String]?
    public var detail: Detail

    public init(id: String, detailType: String = Self.objectCreated, resources: [String], detail: Detail) {
        version = "0"
        self.id = id
        source = "aws.s3"
        self.detailType = detailType
        self.resources = resources
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case version, id, source, resources, detail
        case detailType = "detail-type"
    }
}
