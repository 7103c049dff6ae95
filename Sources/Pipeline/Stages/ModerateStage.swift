/// Something that looks at an image and says whether it may be published (Rekognition in AWS).
public protocol ContentModerator: Sendable {
    /// Labels at or above `minConfidence`, and the faces found, in the upload validate checked (the
    /// version it names; a bucket without versions offers only what the key holds now).
    func moderate(_ source: SourceObject, minConfidence: Double) async throws -> ModerationResult
}

/// Moderation: with moderation off (always so locally) the image passes and the record says it was
/// skipped; otherwise the moderator decides, and a flagged image is quarantined by the archive stage.
public struct ModerateStage: Stage {
    public let name = StageName.moderate
    private let moderator: (any ContentModerator)?
    private let minConfidence: Double

    public init(moderator: (any ContentModerator)?, minConfidence: Double = 80) {
        self.moderator = moderator
        self.minConfidence = minConfidence
    }

    public func run(_ job: ImageJob) async throws -> ImageJob {
        var job = job
        if let moderator {
            job.moderation = try await moderator.moderate(job.source, minConfidence: minConfidence)
        } else {
            job.moderation = ModerationResult(status: .skipped)
        }
        return job
    }
}
