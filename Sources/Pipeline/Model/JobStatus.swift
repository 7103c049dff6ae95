/// Where an image stands (docs/functions.md, the status record). A record is created in
/// PROCESSING (the stage trail says how far it got) and moves once, to a final status: each status
/// change re-keys two index entries, which DynamoDB bills, so there is no status for the few
/// milliseconds before validate's verdict.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
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
        case .processing: false
        case .completed, .rejected, .failed, .quarantined: true
        }
    }

}
