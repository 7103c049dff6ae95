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

/// The Runtime API, as the loop uses it; tests drive the loop with their own. Every call waits on
/// the network the same way: off the cooperative pool, on a thread of its own.
public protocol RuntimeAPIClient: Sendable {
    associatedtype Responder: InvocationResponder
    /// Waits (without timeout) for the next invocation, and gives the one way to answer it.
    func next() async throws -> (Invocation, Responder)
    func initializationFailed(_ error: ErrorReport) async throws
}

/// The answer to one invocation: its response, or its error. One of the two is sent, once.
public protocol InvocationResponder: Sendable {
    func respond(_ body: [UInt8]) async throws
    func fail(_ error: ErrorReport) async throws
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

    public init(runtimeAPI: String) {
        connection = RuntimeConnection(runtimeAPI: runtimeAPI)
    }

    public func next() async throws -> (Invocation, HTTPInvocationResponder) {
        while true {
            let (invocation, deadline) = try await nextInvocation()
            let responder = HTTPInvocationResponder(
                connection: connection, path: "\(base)/invocation/\(invocation.requestId)")
            if deadline { return (invocation, responder) }
            // No deadline: the handler cannot know its time, and guessing one (a timeout's worth)
            // would let it run past its real end. The invocation is refused, the loop goes on.
            try await responder.fail(
                ErrorReport(
                    LambdaError(
                        .invalidEvent,
                        "the Runtime API sent invocation \(invocation.requestId) without \(RuntimeAPI.deadlineHeader)"))
            )
        }
    }

    /// The next invocation, and whether it came with its deadline.
    private func nextInvocation() async throws -> (Invocation, Bool) {
        let response: HTTPResponse
        do {
            // `next` blocks until an invocation comes.
            response = try await onOwnThread { [connection, base] in
                try connection.exchange("GET", "\(base)/invocation/next", timeout: 0)
            }
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
        let invocation = Invocation(
            requestId: requestId, deadline: deadlineMs.map { Date(timeIntervalSince1970: $0 / 1000) } ?? .distantPast,
            functionArn: response.header(RuntimeAPI.functionArnHeader) ?? "",
            traceId: response.header(RuntimeAPI.traceHeader),
            body: response.body)
        return (invocation, deadlineMs != nil)
    }

    public func initializationFailed(_ error: ErrorReport) async throws {
        try await RuntimeAPI.post(connection, "\(base)/init/error", error: error)
    }
}

/// An invocation's answer over HTTP: `POST .../invocation/{id}/response` or `.../error`.
public struct HTTPInvocationResponder: InvocationResponder {
    let connection: RuntimeConnection
    /// `/2018-06-01/runtime/invocation/{requestId}`.
    let path: String

    public func respond(_ body: [UInt8]) async throws {
        try await RuntimeAPI.post(connection, "\(path)/response", body: body)
    }

    public func fail(_ error: ErrorReport) async throws {
        try await RuntimeAPI.post(connection, "\(path)/error", error: error)
    }
}

extension RuntimeAPI {
    /// Milliseconds for posting a response or an error.
    static let postTimeout = 10_000

    static func post(_ connection: RuntimeConnection, _ path: String, error: ErrorReport) async throws {
        try await post(
            connection, path, headers: [("Content-Type", "application/json"), (errorTypeHeader, error.errorType)],
            body: [UInt8](try JSONEncoder().encode(error)))
    }

    /// A POST to the Runtime API, waiting on a thread of its own as `next` does.
    static func post(
        _ connection: RuntimeConnection, _ path: String, headers: [(name: String, value: String)] = [],
        body: [UInt8]
    ) async throws {
        let response: HTTPResponse
        do {
            response = try await onOwnThread {
                try connection.exchange("POST", path, headers: headers, body: body, timeout: postTimeout)
            }
        } catch let error as HTTPError {
            throw LambdaError(.runtimeAPI, "Runtime API POST \(path): \(error.message)")
        }
        guard (200..<300).contains(response.status) else {
            throw LambdaError(.runtimeAPI, "Runtime API POST \(path) answered HTTP \(response.status)")
        }
    }
}
