#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Runs a stage with its bookkeeping, in as few requests as keep the trail whole: the first stage
/// creates the record (refusing an image already final, so a duplicate event does no duplicate
/// work); a stage that publishes reads it first (one read, no write) and refuses a final image; every
/// stage then writes once, when it ends: its start, end, duration and outcome, the status, what it
/// found. Final statuses are announced.
public struct StageRunner: Sendable {
    public var jobs: any JobStore
    public var notifier: any Notifier
    public var clock: @Sendable () -> Date
    /// How failures are told to the owner: nil keeps the raw error (the CLI, on the operator's own
    /// machine); in AWS, cleaned of internal names with the raw error logged under a reference.
    public var publicErrors: PublicErrors?
    /// Owners' counters: an upload's final status ends its lease and counts what it keeps; nil:
    /// nothing is counted (the CLI's own runs).
    public var usage: (any UsageLedger)?

    public init(
        jobs: any JobStore, notifier: any Notifier, clock: @escaping @Sendable () -> Date = { Date() },
        publicErrors: PublicErrors? = nil, usage: (any UsageLedger)? = nil
    ) {
        self.jobs = jobs
        self.notifier = notifier
        self.clock = clock
        self.publicErrors = publicErrors
        self.usage = usage
    }

    /// Runs `stage` on `job`.
    /// - Throws: `PipelineError` `.duplicate` when the image is already final (nothing was done or
    ///   nothing recorded); `.rejected` after recording REJECTED; any other error after recording the
    ///   stage as failed (the status stays PROCESSING so that a retry may still complete it;
    ///   ``fail(_:error:)`` records FAILED once retries are spent).
    public func run(_ stage: any Stage, _ job: ImageJob) async throws -> ImageJob {
        let start = clock()
        if stage.opensTheRecord {
            let record = try await jobs.create(job, at: Timestamp.string(start))
            try await refuseIfFinal(record, job)
        } else if stage.publishes, let record = try await jobs.get(job.imageId) {
            // A late duplicate execution must not publish variants of an image that is already done
            // (or quarantined).
            try await refuseIfFinal(record, job)
        }
        let running = StageRecord(stage: stage.name, startedAt: Timestamp.string(start), outcome: .running)
        let result: ImageJob
        do {
            if stage.opensTheRecord { try await claimUpload(job) }
            result = try await stage.run(job)
        } catch let error as PipelineError where error.code == .rejected {
            // Parallel stages may reject the same image; the first records it, the others find it final.
            let update = JobUpdate(
                status: .rejected, reason: error.reason, detail: error.message, job: job,
                stage: finished(running, start, .rejected, error.message))
            if let updated = try await updateUnlessFinal(job.imageId, update) { try await ended(updated, job) }
            throw error
        } catch {
            let told = told(error, job)
            _ = try? await jobs.update(
                job.imageId,
                JobUpdate(status: .processing, stage: finished(running, start, .failed, told.detail)),
                at: Timestamp.string(clock()))
            throw error
        }
        let status = stage.finalStatus(after: result) ?? .processing
        // The whole job is written once, by the stage that finishes the image: DynamoDB bills a write
        // by the item's whole size, and the state machine carries the job between stages anyway.
        // The owner's index by status is written only when the status changes (once: the record is
        // created in PROCESSING and moves to a final status): an index entry rewritten is billed.
        let update = JobUpdate(
            status: status, job: status.isFinal ? result : nil, stage: finished(running, start, .succeeded, nil))
        guard let updated = try await updateUnlessFinal(job.imageId, update) else {
            // Final already: another run finished it, or this is the retry of a run that recorded the
            // outcome but could not announce it, which announces it now.
            if let current = try await jobs.get(job.imageId) { try await refuseIfFinal(current, job) }
            throw PipelineError(
                .duplicate, "image \(job.imageId) was finished by another run while \(stage.name.rawValue) ran")
        }
        if status.isFinal { try await ended(updated, result) }
        return result
    }

    /// Runs a variant stage for a rederive (``Rederivation``): the record is only read, never
    /// written (the commit writes it once, after both variant stages), and only a COMPLETED image
    /// (moderated, published) is rendered again.
    /// - Throws: `PipelineError` `.conflict` when the image is gone or no longer COMPLETED.
    public func rederive(_ stage: any Stage, _ job: ImageJob) async throws -> ImageJob {
        guard let record = try await jobs.get(job.imageId) else {
            throw PipelineError(.conflict, "image \(job.imageId) was erased while it was rederived")
        }
        guard record.status == .completed else {
            throw PipelineError(
                .conflict, "image \(job.imageId) is \(record.status.rawValue); only a COMPLETED image is rederived")
        }
        return try await stage.run(job)
    }

    /// An upload id yields one image: the first stage claims it for this image, and any other
    /// image made from it (a later version or object under the same form key) is refused
    /// `upload_reused` before anything is read. Uploads not made through the API have no id.
    private func claimUpload(_ job: ImageJob) async throws {
        let (owner, uploadId) = Owner.of(key: job.source.key)
        guard let uploadId else { return }
        guard
            try await jobs.claimUpload(
                owner: owner, uploadId: uploadId, imageId: job.imageId, at: Timestamp.string(clock()))
        else {
            throw PipelineError.rejected(
                .uploadReused, "upload \(uploadId) already made another image; an upload form yields one image")
        }
    }

    /// Stops a run on an image that is already final; a final status whose announcement failed is
    /// announced first (the retry of the run that recorded it).
    private func refuseIfFinal(_ record: JobRecord, _ job: ImageJob) async throws {
        guard record.status.isFinal else { return }
        try await announceIfItFailed(record, job)
        throw PipelineError(.duplicate, "image \(job.imageId) is already \(record.status.rawValue)")
    }

    /// Records FAILED with the error as its cause, and announces it. A record already final is left
    /// alone (only announced, if it never was).
    public func fail(_ job: ImageJob, error: any Error) async throws {
        let cause = (error as? PipelineError).map { $0.cause ?? $0.code.rawValue } ?? "fault"
        let record = try await jobs.create(job, at: Timestamp.string(clock()))
        if record.status.isFinal {
            // Finished, but its announcement failed (which is what failed the execution).
            try await announceIfItFailed(record, job)
            return
        }
        let told = told(error, job)
        var update = JobUpdate(status: .failed, cause: cause, detail: told.detail, owner: job.owner)
        update.reference = told.reference
        if let updated = try await updateUnlessFinal(job.imageId, update) { try await ended(updated, job) }
    }

    /// What the record says of `error`: its message as is, or cleaned, with a reference under which
    /// the raw error is logged (``publicErrors``).
    private func told(_ error: any Error, _ job: ImageJob) -> (detail: String, reference: String?) {
        let raw = String(describing: error)
        guard let publicErrors else { return (raw, nil) }
        let digits = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let reference = String(repeating: "0", count: 16 - digits.count) + digits
        publicErrors.log(reference, job.imageId, raw)
        return (PublicMessage.clean(raw, names: publicErrors.names + [job.source.bucket]), reference)
    }

    /// Applies a final update; nil when the record was already final (someone else finished it).
    private func updateUnlessFinal(_ imageId: String, _ update: JobUpdate) async throws -> JobRecord? {
        do {
            return try await jobs.update(imageId, update, at: Timestamp.string(clock()))
        } catch let error as PipelineError where error.code == .conflict {
            return nil
        }
    }

    private func finished(_ running: StageRecord, _ start: Date, _ outcome: StageRecord.Outcome, _ detail: String?)
        -> StageRecord
    {
        let end = clock()
        var record = running
        record.endedAt = Timestamp.string(end)
        record.durationMs = Int((end.timeIntervalSince(start) * 1000).rounded())
        record.outcome = outcome
        record.detail = detail
        return record
    }

    /// What follows the write that made the record final: the owner's counters (before the
    /// announcement, so that whoever hears of it may upload again at once), then the announcement.
    /// The counters are best effort: a lease not ended lapses by itself.
    private func ended(_ record: JobRecord, _ job: ImageJob) async throws {
        if let usage { try? await usage.settled(record) }
        try await announce(record, job)
    }

    /// Publishes the record's final status. When that fails, the record says so (`announced` false)
    /// for a rerun or the reconciler to announce it. Success writes nothing: no reader tells an
    /// `announced` left unset from true (only false is acted on), a claimed announcement is true
    /// already, and the write would be billed at the whole final record's size.
    private func announce(_ record: JobRecord, _ job: ImageJob) async throws {
        let variants = record.status == .completed ? job.variants.map(\.key) : []
        do {
            try await notifier.publish(
                Notification(
                    imageId: record.imageId, status: record.status, reason: record.reason, cause: record.cause,
                    detail: record.detail,
                    source: record.source, variants: variants))
        } catch {
            try? await jobs.markUnannounced(record.imageId)
            throw error
        }
    }

    /// Announces a final status whose announcement failed, if no one else has taken it on. (A
    /// record with no `announced` at all is left to its own run, which may still be publishing.)
    private func announceIfItFailed(_ record: JobRecord, _ job: ImageJob) async throws {
        guard record.announced == false, try await jobs.claimAnnouncement(record.imageId) else { return }
        try await announce(record, record.job ?? job)
    }

    /// Announces a final status whose announcement failed (the reconciler, once the runs are surely
    /// over).
    /// - Returns: false when someone else took it on.
    public func announceUnannounced(_ record: JobRecord) async throws -> Bool {
        guard try await jobs.claimAnnouncement(record.imageId) else { return false }
        try await announce(record, record.job ?? ImageJob(source: record.source, receivedAt: record.createdAt))
        return true
    }
}

/// Times as the records write them: ISO 8601 UTC with milliseconds, which sort as text.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A time written as ISO 8601 UTC, with or without milliseconds (S3 listings, records); nil
    /// when it is not one.
    public static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
