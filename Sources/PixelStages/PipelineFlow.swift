#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
public import ImageCore
public import Pipeline

/// The six stages composed as the state machine runs them, in one process (the CLI's run), over
/// whichever stores it is given: a folder and local records for files, S3 and DynamoDB for `s3://`
/// inputs (the CLI's `PipelineFlow.aws`). It sits beside ``PipelinePlan``'s steps, which it follows,
/// and settles what does not complete as the state machine's catch path does (``Settlement``).
public struct PipelineFlow: Sendable {
    public let objects: any ObjectStore
    public let jobs: any JobStore
    public let runner: StageRunner
    public let config: PipelineConfig
    let validate: ValidateStage
    let metadata: MetadataStage
    let resize: VariantStage
    let thumbnail: VariantStage
    let moderate: ModerateStage
    let archive: ArchiveStage
    let decodes = SharedDecodes()
    /// Where a variant's key is found, for the report (a path, or an s3:// URI).
    public let location: @Sendable (Variant) -> String

    public init(
        objects: any ObjectStore, jobs: any JobStore, notifier: any Notifier, config: PipelineConfig,
        moderator: (any ContentModerator)?, watermark: Watermark?, usage: (any UsageLedger)? = nil,
        location: @escaping @Sendable (Variant) -> String
    ) {
        self.objects = objects
        self.jobs = jobs
        self.config = config
        self.location = location
        runner = StageRunner(jobs: jobs, notifier: notifier, usage: usage)
        validate = ValidateStage(objects: objects, config: config)
        metadata = MetadataStage(objects: objects, config: config, shared: decodes)
        // One process runs every pixel stage here: metadata makes one decode of each image (from the
        // bytes it reads anyway) and resize and thumbnail derive their variants from it.
        resize = VariantStage(.resize, objects: objects, config: config, watermark: watermark, shared: decodes)
        thumbnail = VariantStage(.thumbnail, objects: objects, config: config, watermark: watermark, shared: decodes)
        moderate = ModerateStage(moderator: moderator, minConfidence: config.minConfidence)
        archive = ArchiveStage(objects: objects, config: config)
    }

    public static let sourceBucket = "local"
    public static let outputBucket = "out"
    /// Where `darkroom serve` keeps the files uploaded to it: `DIR/.darkroom/uploads/`.
    public static let uploadsBucket = "uploads"

    /// Files in, `outputFolder/<imageId>/` out, records under `outputFolder/.darkroom/`.
    public static func local(outputFolder: String, variants: [VariantSpec], limits: ImageLimits, watermark: Watermark?)
        -> PipelineFlow
    {
        let objects = LocalObjectStore(folders: [
            sourceBucket: "/", outputBucket: outputFolder, uploadsBucket: outputFolder + "/.darkroom/uploads",
        ])
        let config = PipelineConfig(
            derivedBucket: outputBucket, archiveBucket: outputBucket, variants: variants, maxBytes: limits.maxBytes,
            maxPixels: limits.maxPixels, maxFrames: limits.maxFrames, moderation: .off, layout: .local)
        return PipelineFlow(
            objects: objects, jobs: LocalJobStore(folder: outputFolder + "/.darkroom/jobs"),
            notifier: LocalNotifier(path: outputFolder + "/.darkroom/notifications.jsonl"), config: config,
            moderator: nil, watermark: watermark,
            usage: LocalUsageLedger(folder: outputFolder + "/.darkroom/usage"),
            location: { outputFolder + "/" + $0.key })
    }

    /// The job of an object, its id derived from bucket, key and version (or ETag).
    public func job(bucket: String, key: String) async throws -> ImageJob {
        let info = try await objects.head(bucket: bucket, key: key)
        let source = SourceObject(bucket: bucket, key: key, versionId: info.versionId, etag: info.etag, size: info.size)
        return ImageJob(source: source, receivedAt: Timestamp.string(Date()))
    }

    /// The stages of `PipelinePlan`, each step's side by side, as the state machine runs them; an
    /// image moderation flagged skips to archive. A rejected upload's original is set aside (in AWS;
    /// never a local file); a fault is recorded FAILED (there is no retry here).
    public func run(_ job: ImageJob) async throws -> ImageJob {
        defer { decodes.forget(job.imageId) }
        do {
            var current = job
            for step in PipelinePlan.steps {
                if current.moderation?.status == .flagged && PipelinePlan.skippedWhenFlagged.isSuperset(of: step) {
                    continue
                }
                current = try await run(step, current)
            }
            return current
        } catch let error as PipelineError where error.code == .rejected {
            try await settlement.rejected(job)
            throw error
        } catch let error as PipelineError where error.code == .duplicate {
            throw error
        } catch {
            try await settlement.failed(job, error: error)
            throw error
        }
    }

    private var settlement: Settlement { Settlement(objects: objects, runner: runner, config: config) }

    /// One step: its stages side by side on the same job, their results merged in the step's order.
    private func run(_ step: [StageName], _ job: ImageJob) async throws -> ImageJob {
        let stages = step.map(stage)
        if stages.count == 1 { return try await runner.run(stages[0], job) }
        let results = try await withThrowingTaskGroup(of: (Int, ImageJob).self) { group in
            for (index, stage) in stages.enumerated() {
                group.addTask { (index, try await runner.run(stage, job)) }
            }
            var results = [ImageJob?](repeating: nil, count: stages.count)
            for try await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
        return try ImageJob.merging(results)
    }

    private func stage(_ name: StageName) -> any Stage {
        switch name {
        case .validate: validate
        case .metadata: metadata
        case .moderate: moderate
        case .resize: resize
        case .thumbnail: thumbnail
        case .archive: archive
        }
    }

    /// Whether the image was already done with this variant set (and, locally, its outputs are
    /// all still there).
    public func isUnchanged(_ record: JobRecord, checkingFilesIn outputFolder: String?) -> Bool {
        switch record.status {
        case .rejected, .quarantined: return true
        case .completed:
            guard let job = record.job else { return false }
            let wanted = Set(config.variants.flatMap { spec in spec.formats.map { "\(spec.name).\($0.rawValue)" } })
            let have = Set(job.variants.map { "\($0.name).\($0.format)" })
            guard wanted == have else { return false }
            guard let outputFolder else { return true }
            let files = job.variants.map(\.key) + (job.archive?.keys ?? [])
            return files.allSatisfy { FileManager.default.fileExists(atPath: outputFolder + "/" + $0) }
        default: return false
        }
    }
}
