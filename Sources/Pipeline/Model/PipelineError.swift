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
    /// A stable reason code (`unsupported_format`, `too_many_pixels`, `corrupt`, ...), for rejections.
    public var reason: String?
    public var message: String

    public init(_ code: Code, reason: String? = nil, _ message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// A rejection of the input, with its reason code.
    public static func rejected(_ reason: RejectionReason, _ message: String) -> PipelineError {
        PipelineError(.rejected, reason: reason.rawValue, message)
    }

    public var description: String {
        reason.map { "\(code.rawValue) (\($0)): \(message)" } ?? "\(code.rawValue): \(message)"
    }
}
