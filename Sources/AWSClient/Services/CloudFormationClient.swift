#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// CloudFormation over its query protocol: only what the CLI reads of a deployed stack.
public struct CloudFormationClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    /// A stack's outputs, by key (DescribeStacks).
    /// - Throws: `AWSError` (`ValidationError` for a stack that does not exist).
    public func outputs(stackName: String, deadline: Date? = nil) throws -> [String: String] {
        let form = [("Action", "DescribeStacks"), ("Version", "2010-05-15"), ("StackName", stackName)]
        return try Self.outputs(try client.sendQuery(form, deadline: deadline).body)
    }

    /// The outputs of the one stack a DescribeStacks answer names.
    static func outputs(_ body: [UInt8]) throws -> [String: String] {
        guard let stack = XMLNode.parse(body)?.child("DescribeStacksResult")?.child("Stacks")?.child("member") else {
            throw AWSError(.invalidResponse, message: "DescribeStacks answered no stack")
        }
        var outputs: [String: String] = [:]
        for output in stack.child("Outputs")?.children("member") ?? [] {
            if let key = output["OutputKey"], let value = output["OutputValue"] { outputs[key] = value }
        }
        return outputs
    }
}
