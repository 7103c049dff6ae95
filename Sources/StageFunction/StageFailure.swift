import AWSClient
import LambdaRuntime
import Pipeline

/// A stage's failure as the state machine sees it: an `errorType` it can match.
///
/// - `Darkroom.Rejected`: the input is bad (recorded REJECTED); never retried.
/// - `Darkroom.Duplicate`: the image is already final; nothing was done. The execution ends quietly.
/// - `Darkroom.Transient`: throttling, 5xx, timeouts; retried with backoff.
/// - `Darkroom.Configuration`: a setting is wrong; retrying will not help.
/// - `Darkroom.Fault`: anything else; caught and recorded FAILED.
public struct StageFailure: LambdaReportableError, CustomStringConvertible {
    /// The error type of a rejection, as the state machine's Catch hands it on.
    public static let rejected = "Darkroom.Rejected"

    public var errorType: String
    public var message: String

    public init(_ error: any Error) {
        switch error {
        case let error as PipelineError:
            switch error.code {
            case .rejected: errorType = Self.rejected
            case .duplicate, .conflict: errorType = "Darkroom.Duplicate"
            case .transient: errorType = "Darkroom.Transient"
            case .invalidConfiguration: errorType = "Darkroom.Configuration"
            case .notFound, .fault: errorType = "Darkroom.Fault"
            }
            message = error.description
        case let error as AWSError:
            errorType = error.isRetryable || error.kind == .deadlineExceeded ? "Darkroom.Transient" : "Darkroom.Fault"
            message = error.description
        default:
            errorType = "Darkroom.Fault"
            message = String(describing: error)
        }
    }

    public var description: String { message }
}
