/// What happens to an image that did not complete, said once. The state machine's catch path (the
/// settle function), the reconciler giving up on a stuck image and the CLI's in-process run all
/// settle through it:
/// - a rejection, already recorded REJECTED and announced by the stage that refused it: the
///   original is set aside (``UploadSetAside``; nowhere, in a layout without a quarantine);
/// - a failure: unless the record is already final, whatever variants were written are withdrawn
///   (nothing half-done stays published), then FAILED is recorded with its cause and announced
///   (``StageRunner/fail(_:error:)``; a record already final is only announced, if it never was).
public struct Settlement: Sendable {
    public let objects: any ObjectStore
    public let runner: StageRunner
    public let config: PipelineConfig
    /// Where erase notes are read; nil where nothing erases (the CLI's one run).
    public let catalog: (any ImageCatalog)?

    public init(
        objects: any ObjectStore, runner: StageRunner, config: PipelineConfig, catalog: (any ImageCatalog)? = nil
    ) {
        self.objects = objects
        self.runner = runner
        self.config = config
        self.catalog = catalog
    }

    /// Settles a rejection: the original set aside when the record says REJECTED (a rejection that
    /// lost to another run's outcome moves nothing). A REJECTED image may be erased meanwhile:
    /// after its copy, the set-aside reads the erase note (which an erase writes before it lists
    /// anything) and, when there is one, removes what it copied, so a racing erase leaves nothing.
    /// - Throws: `PipelineError` from the stores.
    public func rejected(_ job: ImageJob) async throws {
        guard try await runner.jobs.get(job.imageId)?.status == .rejected else { return }
        guard let key = try await UploadSetAside(objects: objects, layout: config.layout).setAside(job),
            let catalog, try await catalog.erasedOwner(job.imageId) != nil
        else { return }
        _ = try await objects.eraseAll(bucket: job.source.bucket, key: key, isPrefix: false)
    }

    /// Settles a failure: variants withdrawn, FAILED recorded with `error` as its cause, announced.
    /// - Throws: `PipelineError` from the stores or the notifier.
    public func failed(_ job: ImageJob, error: any Error) async throws {
        if try await runner.jobs.get(job.imageId)?.status.isFinal != true {
            for key in config.variantKeys(imageId: job.imageId) {
                try await objects.delete(bucket: config.derivedBucket, key: key)
            }
        }
        try await runner.fail(job, error: error)
    }
}
