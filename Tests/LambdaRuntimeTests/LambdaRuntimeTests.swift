import AWSClient
import DarkroomTestSupport
import Foundation
import Testing

@testable import LambdaRuntime
import HTTPMessage

/// The Runtime API loop against a local Runtime API server (harness/local_lambda.py), invoked
/// through the Lambda Invoke API as anything that speaks Lambda would.
@Suite(.serialized) struct LambdaRuntimeTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the handler refused" }
    }

    struct Typed: LambdaReportableError {
        var errorType: String { "Darkroom.Rejected" }
    }

    let host: LocalAWS
    let http = HTTPClient(connectTimeout: 2_000, timeout: 30_000)

    init() throws {
        host = try LocalAWS("runtime", arguments: [Paths.executable("archive")])
    }

    var runtimeAPI: String { host.info["runtimeApi"] ?? "" }

    /// Invokes through the Invoke API, off the cooperative threads (the loop needs one).
    func invoke(_ body: String, function: String = "probe", trace: String? = nil) async throws -> (
        body: String, functionError: String?
    ) {
        var headers: [(name: String, value: String)] = []
        if let trace { headers.append(("X-Amzn-Trace-Id", trace)) }
        let request = HTTPRequest(
            method: "POST", url: "\(host.info["invoke"] ?? "")/2015-03-31/functions/\(function)/invocations",
            headers: headers,
            body: Array(body.utf8))
        let response = try await onOwnThread { [http] in try http.send(request) }
        return (String(decoding: response.body, as: UTF8.self), response.header("X-Amz-Function-Error"))
    }

    func misbehave(_ ways: [String]) throws {
        _ = try http.send(
            HTTPRequest(
                method: "POST", url: "\(host.info["invoke"] ?? "")/local/functions/probe/misbehave",
                body: Array(try JSONEncoder().encode(ways))))
    }

    func state() throws -> [String: [String: JSONValue]] {
        let response = try http.send(HTTPRequest(method: "GET", url: "\(host.info["invoke"] ?? "")/local/functions"))
        return try JSONDecoder().decode([String: [String: JSONValue]].self, from: Data(response.body))
    }

    /// Waits until the loop has sent its `count`th GET /next. A misbehaviour queued before the loop
    /// polls again would meet that poll, not the one after the next invocation.
    func waitForPoll(_ count: Int) async throws {
        for _ in 0..<200 {
            if let calls = try state()["probe"]?["nextCalls"]?.number, Int(calls) >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the loop never sent GET /next number \(count)")
    }

    static let handler: LambdaRuntime.Handler = { body, context in
        let text = String(decoding: body, as: UTF8.self)
        switch text {
        case "fail": throw Failure()
        case "typed": throw Typed()
        case "big": return [UInt8](repeating: 0x61, count: LambdaRuntime.maxResponseBytes + 1)
        case "trace": return Array((ProcessInfo.processInfo.environment["_X_AMZN_TRACE_ID"] ?? "none").utf8)
        case "context":
            let seconds = Int(context.remaining.rounded())
            return Array("\(context.requestId.count) \(context.functionArn) \(seconds)".utf8)
        default: return Array("echo \(text)".utf8)
        }
    }

    func startLoop() -> Task<LambdaError, Never> {
        let client = HTTPRuntimeAPIClient(runtimeAPI: runtimeAPI)
        return Task.detached { await LambdaRuntime.run(client: client, logLevel: .fatal, handler: Self.handler) }
    }

    @Test func responsesErrorsTraceAndTheEndOfTheLoop() async throws {
        let loop = startLoop()
        #expect(try await invoke("hello").body == "echo hello")

        // A handler error is reported with its type, and the loop goes on.
        let failed = try await invoke("fail")
        #expect(failed.functionError == "Unhandled")
        let report = try JSONDecoder().decode(ErrorReport.self, from: Data(failed.body.utf8))
        #expect(
            report.errorMessage == "the handler refused" && report.errorType.hasSuffix("LambdaRuntimeTests.Failure"))
        #expect(try await invoke("typed").body.contains("\"errorType\":\"Darkroom.Rejected\""))
        #expect(try await invoke("again").body == "echo again")

        // Over 6 MB: reported as an error, not a crash.
        let big = try await invoke("big")
        #expect(big.functionError != nil && big.body.contains("Runtime.ResponseTooLarge"))

        // The trace header is set for its invocation only.
        #expect(
            try await invoke("trace", trace: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1").body
                == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        #expect(try await invoke("trace").body == "none")

        let context = try await invoke("context").body.split(separator: " ")
        #expect(
            context.count == 3 && context[0] == "36" && context[1].hasSuffix(":function:probe")
                && (Int(context[2]) ?? 0) > 25)

        // A 500 from the Runtime API ends the loop (Lambda restarts the process): the one after the
        // poll that is waiting once the eight invocations above were answered.
        try await waitForPoll(9)
        try misbehave(["500"])
        #expect(try await invoke("last").body == "echo last")
        let ended = await loop.value
        #expect(ended.code == .runtimeAPI && ended.message.contains("500"))
        let posted = try state()["probe"]?["errors"]?.array ?? []
        #expect(posted.count == 3)
    }

    @Test func aLostConnectionEndsTheLoop() async throws {
        try misbehave(["close"])
        let ended = await startLoop().value
        #expect(ended.code == .runtimeAPI)
    }

    @Test func anInvocationWithoutARequestIdEndsTheLoop() async throws {
        try misbehave(["no-request-id"])
        let loop = startLoop()
        let answer = try await invoke("orphan")
        #expect(answer.body.contains("no request id"))
        let ended = await loop.value
        #expect(ended.code == .runtimeAPI && ended.message.contains("Lambda-Runtime-Aws-Request-Id"))
    }

    /// An invocation without its deadline is refused (a handler cannot keep to a time it does not
    /// know, and a guessed one could run past the real end), and the loop goes on.
    @Test func anInvocationWithoutADeadlineIsRefusedAndTheLoopGoesOn() async throws {
        try misbehave(["no-deadline"])
        let loop = startLoop()
        let refused = try await invoke("late")
        #expect(refused.functionError != nil && refused.body.contains("Lambda-Runtime-Deadline-Ms"))
        #expect(try await invoke("after").body == "echo after")
        try await waitForPoll(3)
        try misbehave(["500"])
        #expect(try await invoke("last").body == "echo last")
        let ended = await loop.value
        #expect(ended.code == .runtimeAPI)
    }

    /// A real stage function with no configuration reports an init error naming the variable, and
    /// its process exits non-zero.
    @Test func initErrorNamesTheMissingVariable() async throws {
        let answer = try await invoke("{}", function: "unconfigured")
        #expect(answer.functionError != nil && answer.body.contains("DARKROOM_TABLE"))
        var exits: [JSONValue] = []
        for _ in 0..<50 where exits.isEmpty {
            _ = try? await invoke("{}", function: "unconfigured")
            exits = try state()["unconfigured"]?["exits"]?.array ?? []
        }
        #expect(exits.first.flatMap(\.number).map { $0 != 0 } == true)
        let initErrors = try state()["unconfigured"]?["initErrors"]?.array ?? []
        #expect(initErrors.first?["body"]?["errorMessage"]?.string?.contains("DARKROOM_TABLE is not set") == true)
    }
}
