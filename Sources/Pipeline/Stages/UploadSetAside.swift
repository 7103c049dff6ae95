/// Takes the original of a REJECTED or QUARANTINED upload out of `uploads/`: the version validate
/// checked is copied to the layout's quarantine key in the same bucket, then that version is deleted
/// for good. Publishing nothing and keeping the evidence: operators can still look at what was
/// refused, nobody else can, and a lifecycle rule expires it. Where the layout has no quarantine
/// (the CLI), nothing moves.
public struct UploadSetAside: Sendable {
    private let objects: any ObjectStore
    private let layout: StorageLayout

    public init(objects: any ObjectStore, layout: StorageLayout) {
        self.objects = objects
        self.layout = layout
    }

    /// Sets the job's original aside. Running it again after it succeeded does nothing.
    /// - Returns: the quarantine key, or nil when this layout sets nothing aside.
    /// - Throws: `PipelineError` from the store.
    @discardableResult
    public func setAside(_ job: ImageJob) async throws -> String? {
        guard let key = layout.quarantineKey(imageId: job.imageId, format: job.format) else { return nil }
        let source = job.source
        do {
            try await objects.copy(
                fromBucket: source.bucket, fromKey: source.key, version: source.version, toBucket: source.bucket,
                toKey: key)
        } catch let error as PipelineError where error.code == .notFound {
            // Gone already: a run before this one moved it (or the uploader deleted it).
            return key
        }
        try await objects.delete(bucket: source.bucket, key: source.key, versionId: source.versionId)
        return key
    }
}
