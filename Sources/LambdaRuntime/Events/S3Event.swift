import HTTPMessage

/// An S3 event notification (`{"Records":[{"s3":{...}}]}`).
public struct S3Event: Decodable, Sendable {
    public struct Record: Decodable, Sendable {
        public struct S3: Decodable, Sendable {
            public struct Bucket: Decodable, Sendable { public var name: String }
            public struct Object: Decodable, Sendable {
                /// URL-encoded in the event, `+` for a space; see ``decodedKey``.
                public var key: String
                public var size: Int?
                public var eTag: String?
                public var versionId: String?
                public var sequencer: String?

                /// The key as the object has it.
                public var decodedKey: String {
                    URIEncoding.decode(String(key.map { $0 == "+" ? " " : $0 }))
                }
            }
            public var bucket: Bucket
            public var object: Object
        }
        public var eventSource: String?
        public var eventName: String?
        public var s3: S3
    }

    public var Records: [Record]
}

/// EventBridge's "Object Created" event from S3.
public struct EventBridgeS3Event: Decodable, Sendable {
    public struct Detail: Decodable, Sendable {
        public struct Bucket: Decodable, Sendable { public var name: String }
        public struct Object: Decodable, Sendable {
            /// Not encoded in EventBridge events.
            public var key: String
            public var size: Int?
            public var etag: String?
            public var versionId: String?

            enum CodingKeys: String, CodingKey {
                case key, size, etag
                case versionId = "version-id"
            }
        }
        public var bucket: Bucket
        public var object: Object
    }

    public var id: String?
    public var source: String
    public var detailType: String
    public var detail: Detail

    enum CodingKeys: String, CodingKey {
        case id, source, detail
        case detailType = "detail-type"
    }
}

/// An SQS batch (`{"Records":[{"messageId","body",...}]}`).
public struct SQSEvent: Decodable, Sendable {
    public struct Message: Decodable, Sendable {
        public var messageId: String
        public var body: String
        public var eventSource: String?
    }

    public var Records: [Message]
}

/// The answer to an SQS batch that reports partial failures: only these messages come back.
public struct SQSBatchResponse: Encodable, Sendable, Equatable {
    public struct Failure: Encodable, Sendable, Equatable {
        public var itemIdentifier: String
        public init(itemIdentifier: String) { self.itemIdentifier = itemIdentifier }
    }

    public var batchItemFailures: [Failure]
    public init(batchItemFailures: [Failure]) { self.batchItemFailures = batchItemFailures }
}
