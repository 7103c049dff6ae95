/// Where an image stands (docs/functions.md, the status record).
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case received = "RECEIVED"
    case processing = "PROCESSING"
    case completed = "COMPLETED"
    /// The input is bad; never retried.
    case rejected = "REJECTED"
    /// A fault that outlived its retries.
    case failed = "FAILED"
    /// Moderation flagged it; nothing is published.
    case quarantined = "QUARANTINED"

    /// A final status is never left.
    public var isFinal: Bool {
        switch self {
        case .received, .processing: false
        case .completed, .rejected, .failed, .quarantined: true
        }
    }

    /// Whether a record may move from this status to `next`. Staying in PROCESSING is allowed (every
    /// stage records itself); anything final stays where it is.
    public func canMove(to next: JobStatus) -> Bool {
        switch self {
        case .received: next != .received
        case .processing: next != .received
        case .completed, .rejected, .failed, .quarantined: false
        }
    }
}
