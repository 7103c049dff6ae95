import Foundation
import ImageCore
import Pipeline
import PixelStages

/// The six stages composed over local stores: a source folder (the whole file system, read-only),
/// an output folder holding `<imageId>/` per image, and the records under `.darkroom/`.
struct LocalPipeline: Sendable {
    static let sourceBucket = "local"
    static let outputBucket = "out"

    let objects: LocalObjectStore
    let jobs: LocalJobStore
    let runner: StageRunner
    let config: PipelineConfig
    let validate: ValidateStage
    let metadata: MetadataStage
    let resize: VariantStage
    let thumbnail: VariantStage
    let moderate: ModerateStage
    let archive: ArchiveStage

    init(outputFolder: String, variants: [VariantSpec], limits: ImageLimits, watermark: Watermark?) {
        objects = LocalObjectStore(folders: [Self.sourceBucket: "/", Self.outputBucket: outputFolder])
        jobs = LocalJobStore(folder: outputFolder + "/.darkroom/jobs")
        runner = StageRunner(jobs: jobs, notifier: LocalNotifier(path: outputFolder + "/.darkroom/notifications.jsonl"))
        config = PipelineConfig(
            derivedBucket: Self.outputBucket, archiveBucket: Self.outputBucket, variants: variants,
            maxBytes: limits.maxBytes, maxPixels: limits.maxPixels, maxFrames: limits.maxFrames,
            moderation: .off, layout: .local)
        validate = ValidateStage(objects: objects, config: config)
        metadata = MetadataStage(objects: objects, config: config)
        resize = VariantStage(.resize, objects: objects, config: config, watermark: watermark)
        thumbnail = VariantStage(.thumbnail, objects: objects, config: config, watermark: watermark)
        moderate = ModerateStage(moderator: nil)
        archive = ArchiveStage(objects: objects, config: config)
    }

    /// The job for a file, its id derived from its path and the SHA-256 of its bytes.
    func job(forFile path: String) async throws -> ImageJob {
        let key = String(path.drop(while: { $0 == "/" }))
        let info = try await objects.head(bucket: Self.sourceBucket, key: key)
        let source = SourceObject(bucket: Self.sourceBucket, key: key, etag: info.etag, size: info.size)
        return ImageJob(source: source, receivedAt: Timestamp.string(Date()))
    }

    /// validate -> metadata -> (resize, thumbnail, moderate in parallel) -> archive, as the state
    /// machine runs them. A fault is recorded FAILED (locally there is no retry).
    func run(_ job: ImageJob) async throws -> ImageJob {
        do {
            let validated = try await runner.run(validate, job)
            let described = try await runner.run(metadata, validated)
            async let resized = runner.run(resize, described)
            async let thumbnails = runner.run(thumbnail, described)
            async let moderated = runner.run(moderate, described)
            let merged = try ImageJob.merging(try await [resized, thumbnails, moderated])
            return try await runner.run(archive, merged)
        } catch let error as PipelineError where error.code == .rejected || error.code == .duplicate {
            throw error
        } catch {
            try await runner.fail(job, error: error)
            throw error
        }
    }

    /// Whether the image was already done with this variant set and its outputs are all still there.
    func isUnchanged(_ record: JobRecord, outputFolder: String) -> Bool {
        switch record.status {
        case .rejected: return true
        case .completed:
            guard let job = record.job else { return false }
            let wanted = Set(config.variants.flatMap { spec in spec.formats.map { "\(spec.name).\($0.rawValue)" } })
            let have = Set(job.variants.map { "\($0.name).\($0.format)" })
            let files = job.variants.map(\.key) + (job.archive?.keys ?? [])
            return wanted == have && files.allSatisfy { FileManager.default.fileExists(atPath: outputFolder + "/" + $0) }
        default: return false
        }
    }
}
