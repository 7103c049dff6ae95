public import Pipeline
internal import ImageCore

/// The first stage: refuses what must not be processed, as cheaply as possible. The byte size is
/// checked before the object is read (the upload event's, or a HEAD's when a job has none), then the magic bytes, the loader libvips would use, and
/// the declared dimensions and frames, all before any pixel is decoded. The job then names the
/// object's version (and ETag) it checked: every later stage reads those bytes or none.
public struct ValidateStage: Stage {
    public let name = StageName.validate
    private let objects: any ObjectStore
    private let config: PipelineConfig

    public init(objects: any ObjectStore, config: PipelineConfig) {
        self.objects = objects
        self.config = config
    }

    public func run(_ job: ImageJob) async throws -> ImageJob {
        var job = job
        let missing = PipelineError.rejected(
            .sourceMissing, "the upload \(job.source.key) is no longer in \(job.source.bucket)")
        // An upload event names the version and its size: no HEAD is needed. Without them (a job
        // made by hand), a HEAD finds both.
        if job.source.versionId == nil || job.source.size <= 0 {
            let info: ObjectInfo
            do {
                info = try await objects.head(bucket: job.source.bucket, key: job.source.key)
            } catch let error as PipelineError where error.code == .notFound {
                // Deleted between the upload and now: nothing to process, and retrying will not bring it back.
                throw missing
            }
            // What the event named wins (the key may have been overwritten since the upload).
            job.source.versionId = job.source.versionId ?? info.versionId
            job.source.etag = job.source.etag ?? info.etag
            job.source.size = info.size
        }
        try imageWork { try config.imageLimits.checkByteCount(job.source.size) }
        let bytes: [UInt8]
        do {
            bytes = try await objects.get(job.source, maxBytes: config.maxBytes)
        } catch let error as PipelineError where error.code == .notFound {
            throw missing
        }
        let header = try imageWork { try ImageHeader.read(ImageSource(bytes), limits: config.imageLimits) }
        job.source.size = bytes.count
        job.format = header.format.rawValue
        job.contentType = header.format.contentType
        job.sha256 = ContentHash.sha256Hex(bytes)
        return job
    }
}
