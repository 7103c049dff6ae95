public import Pipeline
public import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension PipelineError {
    /// How an AWS failure reaches the pipeline: missing things are `.notFound`, a lost condition a
    /// `.conflict`, what the standard retry mode would retry `.transient` (the state machine retries
    /// it), the rest a `.fault`.
    public init(_ error: AWSError) {
        switch error.kind {
        case .notFound: self.init(.notFound, cause: error.code, error.description)
        case .conditionFailed: self.init(.conflict, cause: error.code, error.description)
        case .throttled, .unavailable, .transport, .deadlineExceeded:
            self.init(.transient, cause: error.code, error.description)
        default: self.init(error.isRetryable ? .transient : .fault, cause: error.code, error.description)
        }
    }
}

/// Runs an AWS call through the client's one way off the cooperative pool (``AWSBlocking``), given
/// the current stage's deadline (a task-local, read here where it is visible), and turns `AWSError`
/// into `PipelineError`. Every AWS store calls AWS this way.
func awsWork<T: Sendable>(_ call: @escaping @Sendable (_ deadline: Date?) throws -> T) async throws -> T {
    do {
        return try await awsCall(call)
    } catch let error as AWSError {
        throw PipelineError(error)
    }
}

/// `awsWork` leaving `AWSError` as it is, for a caller that tells some AWS failures apart.
func awsCall<T: Sendable>(_ call: @escaping @Sendable (_ deadline: Date?) throws -> T) async throws -> T {
    let deadline = Deadline.current
    return try await AWSBlocking.run { try call(deadline) }
}
