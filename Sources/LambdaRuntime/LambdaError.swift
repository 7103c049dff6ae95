/// The one error type of LambdaRuntime.
public struct LambdaError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Start-up failed (missing configuration, ...): reported to `/runtime/init/error`.
        case initialization
        /// The Runtime API could not be reached or answered an error: the process must end.
        case runtimeAPI
        /// The handler's response is over Lambda's 6 MB limit.
        case responseTooLarge
        /// The event could not be decoded.
        case invalidEvent
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// An error that names the `errorType` Lambda reports for it (and a state machine matches on).
/// Other errors are reported with their Swift type name.
public protocol LambdaReportableError: Error {
    var errorType: String { get }
}

extension LambdaError: LambdaReportableError {
    public var errorType: String {
        switch code {
        case .initialization: "Runtime.InitError"
        case .runtimeAPI: "Runtime.APIError"
        case .responseTooLarge: "Runtime.ResponseTooLarge"
        case .invalidEvent: "Runtime.InvalidEvent"
        }
    }
}
