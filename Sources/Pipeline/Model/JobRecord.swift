/// How one stage went, kept under the job's record.
public struct StageRecord: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case running, succeeded, rejected, failed, skipped }

    public var stage: StageName
    public var startedAt: String
    public var endedAt: String?
    public var durationMs: Int?
    public var outcome: Outcome
    /// Why it was rejected, failed or skipped.
    public var detail: String?

    public init(
        stage: StageName, startedAt: String, endedAt: String? = nil, durationMs: Int? = nil, outcome: Outcome,
        detail: String? = nil
    ) {
        self.stage = stage
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationMs = durationMs
        self.outcome = outcome
        self.detail = detail
    }
}

/// The tracked state of one image (one DynamoDB item).
public struct JobRecord: Codable, Sendable, Equatable {
    public var imageId: String
    public var status: JobStatus
    /// Why a REJECTED image was refused: a ``RejectionReason`` (`unsupported_format`, `corrupt`, ...).
    public var reason: String?
    /// What made a FAILED image fail: an error type or code (`Darkroom.Transient`, `stuck`,
    /// `source_changed`, an AWS error code), never a rejection reason.
    public var cause: String?
    /// The message behind the reason or the cause: for a failure, cleaned of everything that names
    /// the deployment (``PublicMessage``).
    public var detail: String?
    /// A failure's reference: the raw error is in the function's log under it.
    public var reference: String?
    public var createdAt: String
    public var updatedAt: String
    public var source: SourceObject
    /// The latest whole job (set by the stages that finish it).
    public var job: ImageJob?
    public var stages: [String: StageRecord]
    /// How many times the reconciler started the image again (nil: never).
    public var restarts: Int?
    /// Whether the final status was announced: false when publishing failed (a rerun or the
    /// reconciler announces it), true once such a retry claimed it; nil otherwise (announced by
    /// its own run, not yet, or the run died in between).
    public var announced: Bool?

    public init(job: ImageJob, at time: String) {
        imageId = job.imageId
        status = .processing
        createdAt = time
        updatedAt = time
        source = job.source
        self.job = job
        stages = [:]
    }
}

/// One conditional change to a record.
public struct JobUpdate: Sendable {
    public var status: JobStatus
    /// A rejection's reason (REJECTED).
    public var reason: String?
    /// A failure's cause (FAILED).
    public var cause: String?
    public var detail: String?
    /// A failure's reference (FAILED): where its raw error is logged.
    public var reference: String?
    public var job: ImageJob?
    public var stage: StageRecord?
    /// Whose image it is (``ImageJob/owner``), so that the owner's index by status follows the
    /// status; nil leaves that index as it was.
    public var owner: String?

    public init(
        status: JobStatus, reason: String? = nil, cause: String? = nil, detail: String? = nil, job: ImageJob? = nil,
        stage: StageRecord? = nil,
        owner: String? = nil
    ) {
        self.status = status
        self.reason = reason
        self.cause = cause
        self.detail = detail
        self.job = job
        self.stage = stage
        self.owner = owner ?? job?.owner
    }
}

/// Where records live: DynamoDB in AWS, a folder locally.
public protocol JobStore: Sendable {
    func get(_ imageId: String) async throws -> JobRecord?
    /// Creates the record in PROCESSING unless one exists; returns the record as it now is.
    func create(_ job: ImageJob, at time: String) async throws -> JobRecord
    /// Applies `update` only if the record's status may move to `update.status`.
    /// - Throws: `PipelineError` `.conflict` when it may not (a final status is never left),
    ///   `.notFound` when there is no record.
    func update(_ imageId: String, _ update: JobUpdate, at time: String) async throws -> JobRecord
    /// Records in PROCESSING that have not changed since `cutoff` (an ISO 8601 time).
    func stale(before cutoff: String) async throws -> [JobRecord]
    /// Counts one more restart of `record` and touches its `updatedAt`, only if the record has not
    /// changed since it was read (so two reconcilers cannot both restart it).
    /// - Throws: `PipelineError` `.conflict` when it has.
    func restart(_ record: JobRecord, at time: String) async throws -> JobRecord
    /// Notes that the record's final status could not be announced (`announced` false), for a rerun
    /// or the reconciler to announce it. (One that was announced is noted by nothing: see
    /// `StageRunner.announce`.)
    func markUnannounced(_ imageId: String) async throws
    /// Takes on announcing a final status whose announcement failed (`announced` false): true for
    /// the one caller that may, which must then publish it.
    func claimAnnouncement(_ imageId: String) async throws -> Bool
    /// Final records created since `oldest` whose announcement failed and that have not changed
    /// since `cutoff`.
    func unannounced(since oldest: String, before cutoff: String) async throws -> [JobRecord]
    /// Claims upload `uploadId` of `owner` for `imageId`, with a conditional write: true when the
    /// upload is this image's (claimed now, or before by this same image: a retry), false when
    /// another image made from it holds it.
    func claimUpload(owner: String, uploadId: String, imageId: String, at time: String) async throws -> Bool
    /// Makes `variants` the variant list of a COMPLETED record, in one conditional write, only if
    /// the record is unchanged since `planned` (its `updatedAt` when a rederive planned it). A
    /// record that already lists exactly these keys is returned as it is (the answer to an earlier
    /// attempt of this write was lost).
    /// - Throws: `PipelineError` `.conflict` when the record changed or is not COMPLETED,
    ///   `.notFound` when it is gone (erased).
    func replaceVariants(_ imageId: String, with variants: [Variant], ifUnchangedSince planned: String, at time: String)
        async throws -> JobRecord
    /// Claims source object `hash` (``Adoption``) for adopt run `run`, with a conditional write:
    /// `.claimed` when no run holds it (or this run does: a retry; or the holder's claim is older
    /// than ``AdoptionClaim/staleAfter``: its run died), `.adopted` once it was adopted, `.busy`
    /// when another run holds it.
    func claimAdoption(_ hash: String, run: String, source: String, at time: String) async throws -> AdoptionClaim
    /// Writes on source object `hash`'s claim that it was adopted as `imageId`: every later claim
    /// of it answers `.adopted`.
    func adopted(_ hash: String, as imageId: String, at time: String) async throws
    /// Gives back run `run`'s claim on source object `hash` when it was not adopted (the step failed
    /// after claiming it), so that another run need not wait for the claim to go stale.
    func releaseAdoption(_ hash: String, run: String) async throws
    /// The image source object `hash` was adopted as; nil when it was not (`darkroom adopt --dry-run`).
    func adoption(_ hash: String) async throws -> String?
}

extension JobRecord {
    /// The record with `update` applied, if the status machine allows it.
    /// - Throws: `PipelineError` `.conflict`.
    public func applying(_ update: JobUpdate, at time: String) throws -> JobRecord {
        guard !status.isFinal else {
            throw PipelineError(
                .conflict, "image \(imageId) is \(status.rawValue); it cannot become \(update.status.rawValue)")
        }
        var next = self
        next.status = update.status
        next.updatedAt = time
        if update.reason != nil || update.status.isFinal { next.reason = update.reason }
        if update.cause != nil || update.status.isFinal { next.cause = update.cause }
        if update.detail != nil || update.status.isFinal { next.detail = update.detail }
        if update.reference != nil || update.status.isFinal { next.reference = update.reference }
        if let job = update.job { next.job = job }
        if let stage = update.stage { next.stages[stage.stage.rawValue] = stage }
        return next
    }

    /// Whether the record is final, its announcement failed, and it is unchanged since `cutoff`.
    /// (A record with no `announced` at all predates the field, or its run died in the instant
    /// between its final write and its publish: it is not announced again.)
    public func isUnannounced(before cutoff: String) -> Bool {
        status.isFinal && announced == false && updatedAt < cutoff
    }

    /// The record with its variant list replaced, if it is COMPLETED and unchanged since `planned`;
    /// the record as it is when it already lists exactly those keys.
    /// - Throws: `PipelineError` `.conflict`.
    public func replacingVariants(_ variants: [Variant], ifUnchangedSince planned: String, at time: String) throws
        -> JobRecord
    {
        guard var job, status == .completed else {
            throw PipelineError(
                .conflict, "image \(imageId) is \(status.rawValue); only a COMPLETED image is rederived")
        }
        if Set(job.variants.map(\.key)) == Set(variants.map(\.key)) { return self }
        guard updatedAt == planned else {
            throw PipelineError(.conflict, "image \(imageId) changed while it was rederived (run again to include it)")
        }
        job.variants = variants
        var next = self
        next.job = job
        next.updatedAt = time
        return next
    }

    /// Whether the record is waiting on work that has not moved since `cutoff`.
    public func isStale(before cutoff: String) -> Bool {
        !status.isFinal && updatedAt < cutoff
    }
}
