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
