#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The variables Lambda sets for a custom runtime, read once at start-up: they do not change while
/// the process lives, and reading the environment on every invocation would only cost time.
public struct LambdaEnvironment: Sendable {
    /// `host:port` of the Runtime API.
    public var runtimeAPI: String
    public var functionName: String
    public var functionVersion: String
    public var memoryMB: Int
    public var logGroup: String?
    public var logStream: String?
    /// `LOG_LEVEL` or `AWS_LAMBDA_LOG_LEVEL` (default INFO).
    public var logLevel: LogLevel

    /// - Throws: `LambdaError` when `AWS_LAMBDA_RUNTIME_API` is missing (not running in Lambda).
    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let api = variables["AWS_LAMBDA_RUNTIME_API"], !api.isEmpty else {
            throw LambdaError(
                .initialization, "AWS_LAMBDA_RUNTIME_API is not set: this program runs as a Lambda function")
        }
        runtimeAPI = api
        functionName = variables["AWS_LAMBDA_FUNCTION_NAME"] ?? "local"
        functionVersion = variables["AWS_LAMBDA_FUNCTION_VERSION"] ?? "$LATEST"
        memoryMB = Int(variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] ?? "") ?? 128
        logGroup = variables["AWS_LAMBDA_LOG_GROUP_NAME"]
        logStream = variables["AWS_LAMBDA_LOG_STREAM_NAME"]
        logLevel =
            LogLevel(rawValue: (variables["LOG_LEVEL"] ?? variables["AWS_LAMBDA_LOG_LEVEL"] ?? "INFO").uppercased())
            ?? .info
    }
}

/// Log levels, as Lambda's JSON log format names them.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case trace = "TRACE", debug = "DEBUG", info = "INFO", warn = "WARN", error = "ERROR", fatal = "FATAL"

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}
