#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Finds images the pipeline lost and starts them again: uploads without a record (their event never
/// started an execution) and records left in PROCESSING (their execution died: an Express
/// execution that timed out, a stage killed with its run). Final outcomes whose announcement failed
/// are announced. Each is started again up to
/// `maxRestarts` times; after that it is recorded FAILED with cause `stuck`, its variants withdrawn
/// and the outcome announced, so every upload still ends in a final status. Erased images whose
/// invalidation at the edge failed are invalidated (every path of them, by wildcard).
public struct Reconciler: Sendable {
    public var objects: any ObjectStore
    public var jobs: any JobStore
    public var runner: StageRunner
    public var config: PipelineConfig
    public var starter: any ExecutionStarter
    public var options: ReconcileOptions
    public var clock: @Sendable () -> Date
    /// Where erase notes are, and the CDN they ask to invalidate; nil: no CDN.
    public var erased: (catalog: any ImageCatalog, edge: any EdgeCache)?

    public init(
        objects: any ObjectStore, jobs: any JobStore, runner: StageRunner, config: PipelineConfig,
        starter: any ExecutionStarter,
        options: ReconcileOptions, clock: @escaping @Sendable () -> Date = { Date() },
        erased: (catalog: any ImageCatalog, edge: any EdgeCache)? = nil
    ) {
        self.objects = objects
        self.jobs = jobs
        self.runner = runner
        self.config = config
        self.starter = starter
        self.options = options
        self.clock = clock
        self.erased = erased
    }

    /// One pass.
    /// - Throws: the first store or starter error; what was done before it stays done.
    public func run() async throws -> ReconcileReport {
        let now = clock()
        let cutoff = now.addingTimeInterval(-options.stuckAfter)
        var report = ReconcileReport(dryRun: options.dryRun)
        // Records left unfinished, then uploads with no record at all (`missing`).
        var lost: [(record: JobRecord, missing: Bool)] = try await jobs.stale(before: Timestamp.string(cutoff)).map {
            ($0, false)
        }
        let known = Set(lost.map(\.record.imageId))
        let oldest = now.addingTimeInterval(-options.lookback)
        for info in try await objects.list(bucket: options.uploadsBucket, prefix: options.prefix) {
            // Too new to have been lost, or older than this run looks.
            guard let written = info.lastModified, written < cutoff, written >= oldest else { continue }
            report.uploadsChecked += 1
            guard let source = try await unrecorded(info, known: known) else { continue }
            lost.append(
                (
                    JobRecord(
                        job: ImageJob(source: source, receivedAt: Timestamp.string(written)),
                        at: Timestamp.string(written)), true
                ))
        }
        // Outcomes recorded but never announced: publishing failed past every retry and no rerun
        // took it on.
        for record in try await jobs.unannounced(since: Timestamp.string(oldest), before: Timestamp.string(cutoff)) {
            var entry = ReconcileReport.Entry(
                imageId: record.imageId, key: record.source.key, found: record.status.rawValue,
                action: .announced, restarts: record.restarts ?? 0)
            if !options.dryRun, try await !runner.announceUnannounced(record) { entry.action = .moved }
            report.entries.append(entry)
        }
        var started = 0
        for (record, missing) in lost.sorted(by: { $0.record.createdAt < $1.record.createdAt }) {
            let restarts = record.restarts ?? 0
            var entry = ReconcileReport.Entry(
                imageId: record.imageId, key: record.source.key, found: missing ? "MISSING" : record.status.rawValue,
                action: .restarted, restarts: restarts + 1)
            if restarts >= options.maxRestarts {
                entry.action = .failed
                entry.restarts = restarts
                if !options.dryRun, try await !fail(record, missing: missing) { entry.action = .moved }
            } else if started >= options.limit {
                entry.action = .deferred
                entry.restarts = restarts
            } else {
                started += 1
                if !options.dryRun {
                    entry.action = try await restart(record, missing: missing) ? .restarted : .moved
                }
            }
            report.entries.append(entry)
        }
        try await invalidateErased(&report)
        return report
    }

    /// Last, so that a CDN refusing (too many wildcard invalidations at once) holds up nothing
    /// else: each image it refuses is `deferred` to the next pass.
    private func invalidateErased(_ report: inout ReconcileReport) async throws {
        guard let (catalog, edge) = erased else { return }
        for imageId in try await catalog.uninvalidated(first: options.limit) {
            var entry = ReconcileReport.Entry(
                imageId: imageId, key: "", found: "ERASED", action: .invalidated, restarts: 0)
            if !options.dryRun {
                let every = ErasedPaths.all(imageId, derivedPrefix: config.layout.derivedPrefix)
                do {
                    let made = try await edge.invalidate(every.paths, reference: every.reference)
                    if let id = made.id { try await catalog.noteInvalidation(imageId, id: id) }
                } catch {
                    entry.action = .deferred
                }
            }
            report.entries.append(entry)
        }
    }

    /// The upload as its event would describe it, when it has no record; nil when it has one.
    private func unrecorded(_ info: ObjectInfo, known: Set<String>) async throws -> SourceObject? {
        let listed = SourceObject(
            bucket: options.uploadsBucket, key: info.key, versionId: info.versionId, etag: info.etag, size: info.size)
        guard try await !isRecorded(listed, known: known) else { return nil }
        // A listing has no version id (a versioned bucket's events do), so the id is checked again
        // with the object's head before the upload counts as lost.
        let head = try await objects.head(bucket: options.uploadsBucket, key: info.key)
        let source = SourceObject(
            bucket: options.uploadsBucket, key: info.key, versionId: head.versionId, etag: head.etag, size: head.size)
        return try await isRecorded(source, known: known) ? nil : source
    }

    private func isRecorded(_ source: SourceObject, known: Set<String>) async throws -> Bool {
        let imageId = ImageJob.imageId(for: source)
        if known.contains(imageId) { return true }
        return try await jobs.get(imageId) != nil
    }

    /// Counts the restart on the record (creating it for a lost upload), then starts the image again.
    /// False when the record moved in the meantime (its execution was alive after all).
    private func restart(_ record: JobRecord, missing: Bool) async throws -> Bool {
        let time = Timestamp.string(clock())
        var current = record
        if missing {
            current = try await jobs.create(record.job ?? ImageJob(source: record.source, receivedAt: time), at: time)
            // Someone else created it first: its own execution is running.
            guard current.createdAt == time, current.status == .processing else { return false }
        }
        let counted: JobRecord
        do {
            counted = try await jobs.restart(current, at: time)
        } catch let error as PipelineError where error.code == .conflict {
            return false
        }
        try await starter.start(counted.source, attempt: counted.restarts ?? 1)
        return true
    }

    /// Out of restarts: FAILED with cause `stuck`, variants withdrawn first, outcome announced.
    /// False when the record moved since it was read.
    private func fail(_ record: JobRecord, missing: Bool) async throws -> Bool {
        let current = try await jobs.get(record.imageId)
        guard missing ? current == nil : current?.updatedAt == record.updatedAt else { return false }
        let job = record.job ?? ImageJob(source: record.source, receivedAt: record.createdAt)
        let message =
            "no progress since \(record.updatedAt) (\(record.status.rawValue)) after \(record.restarts ?? 0) restart(s)"
        try await Settlement(objects: objects, runner: runner, config: config)
            .failed(job, error: PipelineError(.fault, cause: "stuck", message))
        return true
    }
}
