#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// CloudFront over its REST-XML API (version 2020-05-31), a global service signed for us-east-1;
/// only what an erase needs: invalidating an image's paths, and asking how that is going.
public struct CloudFrontClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    /// One invalidation, as CloudFront reports it.
    public struct Invalidation: Sendable, Equatable, Codable {
        public var id: String
        /// `InProgress`, then `Completed`.
        public var status: String

        public init(id: String, status: String) {
            self.id = id
            self.status = status
        }
    }

    /// Invalidates `paths` (each starting with `/`; a `*` only at the end) of `distributionId`.
    /// `reference` makes the call idempotent: the same reference and paths again give the same
    /// invalidation back.
    public func createInvalidation(
        distributionId: String, paths: [String], reference: String, deadline: Date? = nil
    ) throws -> Invalidation {
        let items = paths.map { "<Path>\(Self.escaped($0))</Path>" }.joined()
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>\
            <InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">\
            <Paths><Quantity>\(paths.count)</Quantity><Items>\(items)</Items></Paths>\
            <CallerReference>\(Self.escaped(reference))</CallerReference></InvalidationBatch>
            """
        let response = try client.send(
            AWSRequest(
                method: "POST", path: "/2020-05-31/distribution/\(distributionId)/invalidation",
                headers: [("Content-Type", "application/xml")], body: Array(body.utf8)),
            deadline: deadline)
        return try Self.invalidation(response.body, "CreateInvalidation")
    }

    public func getInvalidation(distributionId: String, id: String, deadline: Date? = nil) throws -> Invalidation {
        let response = try client.send(
            AWSRequest(method: "GET", path: "/2020-05-31/distribution/\(distributionId)/invalidation/\(id)"),
            deadline: deadline)
        return try Self.invalidation(response.body, "GetInvalidation")
    }

    static func invalidation(_ body: [UInt8], _ operation: String) throws -> Invalidation {
        guard let node = XMLNode.parse(body), node.name == "Invalidation", let id = node["Id"],
            let status = node["Status"]
        else { throw AWSError(.invalidResponse, message: "\(operation) answered no Invalidation Id and Status") }
        return Invalidation(id: id, status: status)
    }

    static func escaped(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
