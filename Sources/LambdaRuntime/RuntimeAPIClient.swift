import AWSClient
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

/// The Runtime API over HTTP, on the project's libcurl layer.
public struct HTTPRuntimeAPIClient: RuntimeAPIClient {
    private let base: String
    private let http = HTTPClient(connectTimeout: 2_000, timeout: 10_000)

    public init(runtimeAPI: String) {
        base = "http://\(runtimeAPI)/\(RuntimeAPI.version)/runtime"
    }

    public func next() async throws -> Invocation {
        let response: HTTPResponse
        do {
            response = try await http.sendDetached(HTTPRequest(method: "GET", url: "\(base)/invocation/next"), timeout: 0)
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
        _ = try call(HTTPRequest(method: "POST", url: "\(base)/invocation/\(requestId)/response", body: body))
    }

    public func fail(_ requestId: String, _ error: ErrorReport) throws {
        _ = try call(HTTPRequest(
            method: "POST", url: "\(base)/invocation/\(requestId)/error",
            headers: [("Content-Type", "application/json"), (RuntimeAPI.errorTypeHeader, error.errorType)],
            body: [UInt8](try JSONEncoder().encode(error))))
    }

    public func initializationFailed(_ error: ErrorReport) throws {
        _ = try call(HTTPRequest(
            method: "POST", url: "\(base)/init/error",
            headers: [("Content-Type", "application/json"), (RuntimeAPI.errorTypeHeader, error.errorType)],
            body: [UInt8](try JSONEncoder().encode(error))))
    }

    private func call(_ request: HTTPRequest, timeout: Int? = nil) throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try http.send(request, timeout: timeout)
        } catch let error as HTTPError {
            throw LambdaError(.runtimeAPI, "Runtime API \(request.method) \(request.url): \(error.message)")
        }
        guard (200..<300).contains(response.status) else {
            throw LambdaError(.runtimeAPI, "Runtime API \(request.method) \(request.url) answered HTTP \(response.status)")
        }
        return response
    }
}
