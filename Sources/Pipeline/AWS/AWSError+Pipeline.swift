public import AWSClient

extension PipelineError {
    /// How an AWS failure reaches the pipeline: missing things are `.notFound`, a lost condition a
    /// `.conflict`, what the standard retry mode would retry `.transient` (the state machine retries
    /// it), the rest a `.fault`.
    public init(_ error: AWSError) {
        switch error.kind {
        case .notFound: self.init(.notFound, reason: error.code, error.description)
        case .conditionFailed: self.init(.conflict, reason: error.code, error.description)
        case .throttled, .transport, .deadlineExceeded: self.init(.transient, reason: error.code, error.description)
        default: self.init(error.isRetryable ? .transient : .fault, reason: error.code, error.description)
        }
    }
}

/// Runs AWS work, turning `AWSError` into `PipelineError`.
func awsWork<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AWSError {
        throw PipelineError(error)
    }
}
