import Signing

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
