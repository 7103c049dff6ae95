import AWSClient
import LambdaRuntime
import Pipeline

/// The error types the state machine matches on, defined once: the Catch and Retry rules of
/// `statemachine/pipeline.asl.json` and the local harness name only these (a test checks it).
public enum StageErrorType: String, Sendable, CaseIterable {
    /// The input is bad (recorded REJECTED); never retried; the original is set aside.
    case rejected = "Darkroom.Rejected"
    /// The image is already final; nothing was done. The execution ends quietly.
    case duplicate = "Darkroom.Duplicate"
    /// Throttling, 5xx, timeouts; retried with backoff.
    case transient = "Darkroom.Transient"
    /// A setting is wrong; retrying will not help.
    case configuration = "Darkroom.Configuration"
    /// Anything else; caught and recorded FAILED.
    case fault = "Darkroom.Fault"
    /// Not a function's: the error the state machine's own `Failed` state ends an execution with,
    /// once the image is recorded FAILED.
    case failed = "Darkroom.Failed"
    /// A rederive child workflow whose batch had images that failed (its message lists them, each
    /// with its reason): the child fails, so that the run's tolerated-failure threshold counts it.
    case batchFailed = "Darkroom.BatchFailed"

    /// A rejection or a duplicate is settled: retrying the event would change nothing.
    public var isSettled: Bool { self == .rejected || self == .duplicate }
}

/// A stage's failure as the state machine sees it: an `errorType` (a ``StageErrorType``) it can match.
public struct StageFailure: LambdaReportableError, CustomStringConvertible {
    public var type: StageErrorType
    public var errorType: String { type.rawValue }
    public var message: String

    public init(_ error: any Error) {
        switch error {
        case let error as PipelineError: self.init(error)
        // One classification of AWS failures: PipelineError's (what the standard retry mode would
        // retry is transient).
        case let error as AWSError: self.init(PipelineError(error))
        default: self.init(type: .fault, message: String(describing: error))
        }
    }

    init(_ error: PipelineError) {
        let type: StageErrorType
        switch error.code {
        case .rejected: type = .rejected
        case .duplicate, .conflict: type = .duplicate
        case .transient: type = .transient
        case .invalidConfiguration: type = .configuration
        case .notFound, .fault: type = .fault
        }
        self.init(type: type, message: error.description)
    }

    init(type: StageErrorType, message: String) {
        self.type = type
        self.message = message
    }

    public var description: String { message }
}

extension JSONLogger {
    /// A failure's raw error in the function's log, under the reference its record keeps
    /// (``PublicErrors``): the one place the ARNs and names it may hold are written.
    public static let failure: @Sendable (String, String, String) -> Void = { reference, imageId, raw in
        JSONLogger(level: .error).error("stage failure", ["reference": reference, "imageId": imageId, "error": raw])
    }
}
