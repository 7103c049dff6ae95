#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

extension AWSServiceClient {
    /// The JSON protocol's versions: the `Content-Type` it is sent with and its `X-Amz-Target` prefix.
    public struct JSONProtocol: Sendable {
        /// `1.0` (DynamoDB, Step Functions) or `1.1` (Rekognition).
        public var version: String
        /// `DynamoDB_20120810`, `AWSStepFunctions`, `RekognitionService`.
        public var targetPrefix: String

        public init(version: String, targetPrefix: String) {
            self.version = version
            self.targetPrefix = targetPrefix
        }
    }

    /// One operation of a JSON-protocol service (DynamoDB, Rekognition, Step Functions): the body
    /// posted to `/` with the protocol's content type and target, sent as ``send(_:deadline:)``
    /// sends (signed, retried), the answer decoded.
    /// - Throws: `AWSError`; `.invalidResponse` when the answer is not JSON.
    public func callJSON(_ operation: String, _ body: JSONValue, protocol json: JSONProtocol, deadline: Date?) throws
        -> JSONValue
    {
        let request = AWSRequest(
            method: "POST", path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-\(json.version)"),
                ("X-Amz-Target", "\(json.targetPrefix).\(operation)"),
            ],
            body: [UInt8](try JSONEncoder().encode(body)))
        let response = try send(request, deadline: deadline)
        guard let answer = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)) else {
            throw AWSError(
                .invalidResponse, message: "\(json.targetPrefix) \(operation) answered something that is not JSON")
        }
        return answer
    }
}
