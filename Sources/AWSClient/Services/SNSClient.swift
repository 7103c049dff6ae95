#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
import HTTPMessage
import Signing

/// SNS over its query protocol.
public struct SNSClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    /// Publishes a message with string message attributes.
    /// - Returns: the message id.
    @discardableResult
    public func publish(
        topicArn: String, message: String, subject: String? = nil, attributes: [String: String] = [:],
        deadline: Date? = nil
    ) throws -> String {
        var form: [(String, String)] = [
            ("Action", "Publish"), ("Version", "2010-03-31"), ("TopicArn", topicArn), ("Message", message),
        ]
        if let subject { form.append(("Subject", subject)) }
        for (index, attribute) in attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            let prefix = "MessageAttributes.entry.\(index + 1)"
            form += [
                ("\(prefix).Name", attribute.key), ("\(prefix).Value.DataType", "String"),
                ("\(prefix).Value.StringValue", attribute.value),
            ]
        }
        let response = try client.sendQuery(form, deadline: deadline)
        guard let id = XMLNode.parse(response.body)?.child("PublishResult")?["MessageId"] else {
            throw AWSError(.invalidResponse, message: "Publish answered no MessageId")
        }
        return id
    }
}

extension AWSServiceClient {
    /// A request of the query protocol (SNS, CloudFormation): the action and its parameters as a
    /// form, POSTed.
    func sendQuery(_ form: [(String, String)], deadline: Date?) throws -> HTTPResponse {
        let body = form.map { URIEncoding.encode($0.0) + "=" + URIEncoding.encode($0.1) }.joined(separator: "&")
        return try send(
            AWSRequest(
                method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array(body.utf8)),
            deadline: deadline)
    }
}
