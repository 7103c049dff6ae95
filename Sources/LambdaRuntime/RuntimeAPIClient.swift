import HTTPMessage
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One invocation as the Runtime API hands it over.
public struct Invocation: Sendable {
    public var requestId: String
    public var deadline: Date
    public var functionArn: String
    public var traceId: String?
    public var body: [UInt8]
}

/// The Runtime API, as the loop uses it; tests drive the loop with their own.
public protocol RuntimeAPIClient: Sendable {
    /// Waits (without timeout) for the next invocation.
    func next() async throws -> Invocation
    func respond(_ requestId: String, _ body: [UInt8]) throws
    func fail(_ requestId: String, _ error: ErrorReport) throws
    func initializationFailed(_ error: ErrorReport) throws
}

/// What Lambda records of a failure.
public struct ErrorReport: Codable, Sendable, Equatable {
    public var errorMessage: String
    public var errorType: String
    public var stackTrace: [String]

    public init(_ error: any Error) {
        errorMessage = String(describing: error)
        errorType = (error as? any LambdaReportableError)?.errorType ?? String(reflecting: type(of: error))
        stackTrace = []
    }
}

/// The protocol's paths and header names.
enum RuntimeAPI {
    static let version = "2018-06-01"
    static let requestIdHeader = "Lambda-Runtime-Aws-Request-Id"
    static let deadlineHeader = "Lambda-Runtime-Deadline-Ms"
    static let functionArnHeader = "Lambda-Runtime-Invoked-Function-Arn"
    static let traceHeader = "Lambda-Runtime-Trace-Id"
    static let errorTypeHeader = "Lambda-Runtime-Function-Error-Type"
}

/// The Runtime API over HTTP, on a plain socket (`RuntimeConnection`).
public struct HTTPRuntimeAPIClient: RuntimeAPIClient {
    private let connection: RuntimeConnection
    private let base = "/\(RuntimeAPI.version)/runtime"
    /// Milliseconds for posting a response or an error.
    private let timeout = 10_000

    public init(runtimeAPI: String) {
        connection = RuntimeConnection(runtimeAPI: runtimeAPI)
    }

    public func next() async throws -> Invocation {
        let response: HTTPResponse
        do {
            // `next` blocks until an invocation comes.
            response = try await onOwnThread { [connection, base] in try connection.exchange("GET", "\(base)/invocation/next", timeout: 0) }
        } catch let error as HTTPError {
            throw LambdaError(.runtimeAPI, "Runtime API GET next: \(error.message)")
        }
        guard (200..<300).contains(response.status) else {
            throw LambdaError(.runtimeAPI, "Runtime API GET next answered HTTP \(response.status)")
        }
        guard let requestId = response.header(RuntimeAPI.requestIdHeader) else {
            throw LambdaError(.runtimeAPI, "the Runtime API sent an invocation without \(RuntimeAPI.requestIdHeader)")
        }
        let deadlineMs = response.header(RuntimeAPI.deadlineHeader).flatMap(Double.init)
        return Invocation(
            requestId: requestId,
            deadline: deadlineMs.map { Date(timeIntervalSince1970: $0 / 1000) } ?? Date().addingTimeInterval(900),
            functionArn: response.header(RuntimeAPI.functionArnHeader) ?? "", traceId: response.header(RuntimeAPI.traceHeader),
            body: response.body)
    }

    public func respond(_ requestId: String, _ body: [UInt8]) throws {
        try call("POST", "\(base)/invocation/\(requestId)/response", body: body)
    }

    public func fail(_ requestId: String, _ error: ErrorReport) throws {
        try call(
            "POST", "\(base)/invocation/\(requestId)/error",
            headers: [("Content-Type", "application/json"), (RuntimeAPI.errorTypeHeader, error.errorType)],
            body: [UInt8](try JSONEncoder().encode(error)))
    }

    public func initializationFailed(_ error: ErrorReport) throws {
        try call(
            "POST", "\(base)/init/error",
            headers: [("Content-Type", "application/json"), (RuntimeAPI.errorTypeHeader, error.errorType)],
            body: [UInt8](try JSONEncoder().encode(error)))
    }

    private func call(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8]) throws {
        let response: HTTPResponse
        do {
            response = try connection.exchange(method, path, headers: headers, body: body, timeout: timeout)
        } catch {
            throw LambdaError(.runtimeAPI, "Runtime API \(method) \(path): \(error.message)")
        }
        guard (200..<300).contains(response.status) else {
            throw LambdaError(.runtimeAPI, "Runtime API \(method) \(path) answered HTTP \(response.status)")
        }
    }
}
