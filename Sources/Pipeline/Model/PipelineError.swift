public import MediaTypes

/// The one error type of the Pipeline module.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; the state machine and the CLI decide on it.
    public enum Code: String, Sendable, Codable {
        /// The input is bad: record REJECTED, never retry. `reason` says why.
        case rejected
        /// A passing fault (throttling, 5xx, timeout): retry.
        case transient
        /// A required setting is missing or malformed; the message names it.
        case invalidConfiguration
        /// An object or record that should exist does not.
        case notFound
        /// A conditional write lost: another delivery of the same event moved the record first.
        case conflict
        /// The image already reached a final status (a duplicate event): nothing to do.
        case duplicate
        /// Anything else: record FAILED once retries are spent.
        case fault
    }

    public var code: Code
    /// A rejection's reason (``RejectionReason``'s raw value); nil for anything but `.rejected`.
    public private(set) var reason: String?
    /// What caused a failure that is not the input's (an error type, `stuck`, `source_changed`,
    /// an AWS error code); never a rejection reason.
    public var cause: String?
    public var message: String

    /// A failure that is not a rejection; use ``rejected(_:_:)`` for one.
    public init(_ code: Code, cause: String? = nil, _ message: String) {
        self.code = code
        self.cause = cause
        self.message = message
    }

    /// A rejection of the input, with its reason.
    public static func rejected(_ reason: RejectionReason, _ message: String) -> PipelineError {
        var error = PipelineError(.rejected, message)
        error.reason = reason.rawValue
        return error
    }

    public var description: String {
        (reason ?? cause).map { "\(code.rawValue) (\($0)): \(message)" } ?? "\(code.rawValue): \(message)"
    }
}
