#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Step Functions over its JSON protocol (`X-Amz-Target: AWSStepFunctions.<Operation>`); only what
/// the reconciler needs: starting an execution again.
public struct StepFunctionsClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    /// Starts an execution of `stateMachineArn` with `input` (a JSON document). An Express state
    /// machine accepts the same name more than once; a Standard one refuses a name it has seen.
    /// - Returns: the execution's ARN.
    @discardableResult
    public func startExecution(stateMachineArn: String, input: String, name: String? = nil, deadline: Date? = nil)
        throws -> String
    {
        var body: [String: JSONValue] = ["stateMachineArn": .string(stateMachineArn), "input": .string(input)]
        if let name { body["name"] = .string(name) }
        let json = try client.callJSON(
            "StartExecution", .object(body), protocol: .init(version: "1.0", targetPrefix: "AWSStepFunctions"),
            deadline: deadline)
        guard let arn = json["executionArn"]?.string else {
            throw AWSError(.invalidResponse, message: "StartExecution answered no executionArn")
        }
        return arn
    }
}
