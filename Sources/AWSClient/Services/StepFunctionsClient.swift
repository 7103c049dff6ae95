#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Step Functions over its JSON protocol (`X-Amz-Target: AWSStepFunctions.<Operation>`); only what
/// the reconciler (starting an execution again) and `darkroom rederive` (starting a run and
/// following its map runs) need.
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
        let json = try call("StartExecution", body, deadline: deadline)
        guard let arn = json["executionArn"]?.string else {
            throw AWSError(.invalidResponse, message: "StartExecution answered no executionArn")
        }
        return arn
    }

    /// An execution as DescribeExecution tells it.
    public struct Execution: Sendable, Equatable {
        /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE.
        public var status: String
        public var output: String?
        public var error: String?
        public var cause: String?
    }

    public func describeExecution(_ executionArn: String, deadline: Date? = nil) throws -> Execution {
        let json = try call("DescribeExecution", ["executionArn": .string(executionArn)], deadline: deadline)
        guard let status = json["status"]?.string else {
            throw AWSError(.invalidResponse, message: "DescribeExecution answered no status")
        }
        return Execution(
            status: status, output: json["output"]?.string, error: json["error"]?.string, cause: json["cause"]?.string)
    }

    /// The ARNs of the map runs an execution's Distributed Map states started, oldest first.
    public func listMapRuns(executionArn: String, deadline: Date? = nil) throws -> [String] {
        var arns: [String] = []
        var token: String?
        repeat {
            var body: [String: JSONValue] = ["executionArn": .string(executionArn)]
            if let token { body["nextToken"] = .string(token) }
            let json = try call("ListMapRuns", body, deadline: deadline)
            arns += (json["mapRuns"]?.array ?? []).compactMap { $0["mapRunArn"]?.string }
            token = json["nextToken"]?.string
        } while token != nil
        return arns
    }

    /// A map run's status and its item counts (DescribeMapRun's `itemCounts`).
    public struct MapRun: Sendable, Equatable {
        /// RUNNING, SUCCEEDED, FAILED or ABORTED.
        public var status: String
        public var total: Int
        public var succeeded: Int
        public var failed: Int
        public var pending: Int
        public var running: Int
    }

    public func describeMapRun(_ mapRunArn: String, deadline: Date? = nil) throws -> MapRun {
        let json = try call("DescribeMapRun", ["mapRunArn": .string(mapRunArn)], deadline: deadline)
        let counts = json["itemCounts"]
        func count(_ name: String) -> Int { Int(counts?[name]?.number ?? 0) }
        return MapRun(
            status: json["status"]?.string ?? "RUNNING", total: count("total"), succeeded: count("succeeded"),
            failed: count("failed") + count("timedOut") + count("aborted"), pending: count("pending"),
            running: count("running"))
    }

    private func call(_ operation: String, _ body: [String: JSONValue], deadline: Date?) throws -> JSONValue {
        try client.callJSON(
            operation, .object(body), protocol: .init(version: "1.0", targetPrefix: "AWSStepFunctions"),
            deadline: deadline)
    }
}
