public import ImageCore
public import Pipeline

extension PipelineError {
    /// How an image failure reaches the pipeline: bad input is a rejection with its stable reason
    /// code; a failure that is not the input's fault is a fault.
    public init(_ error: ImageError) {
        if let reason = error.code.rejectionReason {
            self = .rejected(reason, error.message)
        } else {
            self.init(.fault, cause: error.code.rawValue, error.message)
        }
    }
}

extension PipelineConfig {
    /// The input limits as ImageCore takes them.
    public var imageLimits: ImageLimits {
        ImageLimits(maxBytes: maxBytes, maxPixels: maxPixels, maxFrames: maxFrames)
    }
}

/// Runs image work, turning `ImageError` into `PipelineError`.
func imageWork<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ImageError {
        throw PipelineError(error)
    }
}
