#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The last stage: copies the original into the archive server-side, with its metadata (in AWS as
/// the copy's own S3 metadata, ``ArchiveMetadata``: one request; in the CLI's folder as
/// `metadata.json` beside it); the image is then COMPLETED. Only what cannot be made again is archived: the variants
/// are reproducible from the original and the variant set (`darkroom process` of the archived
/// original makes them), so copying them too would double their storage and add a request each. A flagged image is QUARANTINED instead:
/// moderation ran before any variant was made, so there is nothing to withdraw (any variant an
/// older run wrote is deleted all the same); its original is set aside (``UploadSetAside``) and
/// nothing is archived as published.
public struct ArchiveStage: Stage {
    public let name = StageName.archive
    private let objects: any ObjectStore
    private let config: PipelineConfig

    public init(objects: any ObjectStore, config: PipelineConfig) {
        self.objects = objects
        self.config = config
    }

    public func run(_ job: ImageJob) async throws -> ImageJob {
        var job = job
        if job.moderation?.status == .flagged {
            for variant in job.variants { try await objects.delete(bucket: variant.bucket, key: variant.key) }
            job.variants = []
            // The record says where the original went.
            if let key = try await UploadSetAside(objects: objects, layout: config.layout).setAside(job),
                let folder = config.layout.quarantineFolder(imageId: job.imageId)
            {
                job.archive = ArchiveRecord(bucket: job.source.bucket, prefix: folder, keys: [key])
            }
            return job
        }
        let prefix = config.layout.archivePrefix(imageId: job.imageId, receivedAt: job.receivedAt)
        let bucket = config.archiveBucket
        let original = "\(prefix)original.\(StorageLayout.fileExtension(job.format))"
        let described =
            config.layout.metadataOnTheOriginal
            ? PutOptions(contentType: job.contentType ?? "application/octet-stream", metadata: ArchiveMetadata.of(job))
            : nil
        // The version validate checked, not whatever the key holds now.
        try await objects.copy(
            fromBucket: job.source.bucket, fromKey: job.source.key, version: job.source.version,
            toBucket: bucket, toKey: original, replacing: described)
        guard described == nil else {
            job.archive = ArchiveRecord(bucket: bucket, prefix: prefix, keys: [original])
            return job
        }
        job.archive = ArchiveRecord(bucket: bucket, prefix: prefix, keys: [original, prefix + "metadata.json"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try await objects.put(
            bucket: bucket, key: prefix + "metadata.json", bytes: [UInt8](try encoder.encode(job)),
            options: PutOptions(contentType: "application/json"))
        return job
    }

    public func finalStatus(after job: ImageJob) -> JobStatus? {
        job.moderation?.status == .flagged ? .quarantined : .completed
    }
}
