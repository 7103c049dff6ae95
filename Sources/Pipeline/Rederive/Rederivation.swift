#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The two steps of a rederive around the variant stages, for one image (docs/deploying.md,
/// "Rederive"): the plan reads the record and says whether there is anything to do; the resize
/// and thumbnail stages render the new set by the plan's order; the commit makes the record list
/// the new set in one conditional write, and only then removes the old set's objects. At every
/// moment the record lists variants whose objects exist.
public struct Rederivation: Sendable {
    public var jobs: any JobStore
    public var objects: any ObjectStore
    public var config: PipelineConfig
    public var clock: @Sendable () -> Date

    public init(
        jobs: any JobStore, objects: any ObjectStore, config: PipelineConfig,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.jobs = jobs
        self.objects = objects
        self.config = config
        self.clock = clock
    }

    /// What the plan decided: nothing to do, or the job the variant stages are to render.
    public enum Plan: Sendable, Equatable {
        case skip(RederiveOutcome)
        case render(ImageJob)
    }

    /// Plans image `imageId` onto `variants` (the spec language; nil: the configured set).
    /// - Throws: `PipelineError` `.invalidConfiguration` for a bad variant set; AWS faults.
    public func plan(imageId: String, variants: String?) async throws -> Plan {
        let specs = try variants.map(VariantSpec.parseList) ?? config.variants
        guard let record = try await jobs.get(imageId) else {
            return .skip(RederiveOutcome(imageId: imageId, outcome: .skipped, why: "erased"))
        }
        return Self.plan(record, specs: specs, layout: config.layout)
    }

    /// The plan for `record` as read: pure, so `darkroom rederive --dry-run` decides as a run does.
    public static func plan(_ record: JobRecord, specs: [VariantSpec], layout: StorageLayout) -> Plan {
        let imageId = record.imageId
        guard record.status == .completed, var job = record.job else {
            return .skip(RederiveOutcome(imageId: imageId, outcome: .skipped, why: "it is \(record.status.rawValue)"))
        }
        let wanted = layout.variantKeys(imageId: imageId, specs: specs)
        if Set(job.variants.map(\.key)) == Set(wanted) {
            return .skip(RederiveOutcome(imageId: imageId, outcome: .skipped, why: "already on this set"))
        }
        job.rederive = RederiveOrder(
            variants: specs.map(\.description).joined(separator: " "), original: Self.original(of: job),
            planned: record.updatedAt, replaces: job.variants.map(\.key))
        // A variant whose key the new set names is the same output (the key is the spec's and
        // the renderer's revision): kept as it is, not rendered again.
        job.variants = job.variants.filter { Set(wanted).contains($0.key) }
        return .render(job)
    }

    /// The original a rederive reads: the archived copy (uploads expire from `uploads/`), else the
    /// upload as validate checked it.
    static func original(of job: ImageJob) -> SourceObject {
        guard let archive = job.archive,
            let key = archive.keys.first(where: { $0.hasPrefix(archive.prefix + "original.") })
        else { return job.source }
        return SourceObject(bucket: archive.bucket, key: key, size: job.source.size)
    }

    /// Makes the record list what the variant stages rendered and what the plan kept
    /// (`job.variants`), then removes the
    /// objects of the old set that the new one does not reuse. When the record changed in the
    /// meantime (or was erased), the new objects are removed instead and the record keeps its set.
    /// - Throws: `PipelineError` `.conflict` or `.notFound` for such a record; AWS faults (the
    ///   commit may run again: the write is idempotent, and so are the removals).
    public func commit(_ job: ImageJob) async throws -> RederiveOutcome {
        guard let order = job.rederive else {
            throw PipelineError(.fault, "image \(job.imageId): a rederive commit needs the plan's order")
        }
        let listed = Set(job.variants.map(\.key))
        let written = listed.subtracting(order.replaces)
        do {
            _ = try await jobs.replaceVariants(
                job.imageId, with: job.variants, ifUnchangedSince: order.planned, at: Timestamp.string(clock()))
        } catch let error as PipelineError where error.code == .conflict || error.code == .notFound {
            // The record lists another set (or none): what this run wrote is nobody's.
            let current = Set((try await jobs.get(job.imageId))?.job?.variants.map(\.key) ?? [])
            for key in written.subtracting(current).sorted() {
                try await objects.delete(bucket: config.derivedBucket, key: key)
            }
            throw error
        }
        let stale = Set(order.replaces).subtracting(listed).sorted()
        for key in stale { try await objects.delete(bucket: config.derivedBucket, key: key) }
        return RederiveOutcome(
            imageId: job.imageId, outcome: .rederived, variants: job.variants.count, removed: stale.count)
    }

    /// After a failed render: deletes what the variant stages may have written for `job` (the
    /// order's keys the old set did not have) that the record does not list. One branch may have
    /// written before the other failed; nothing is left under keys no record names.
    /// - Returns: how many keys were deleted (deleting what is not there is not an error).
    public func withdraw(_ job: ImageJob) async throws -> Int {
        guard let order = job.rederive else { return 0 }
        let wanted = config.layout.variantKeys(imageId: job.imageId, specs: try VariantSpec.parseList(order.variants))
        let listed = Set((try await jobs.get(job.imageId))?.job?.variants.map(\.key) ?? [])
        let strays = Set(wanted).subtracting(order.replaces).subtracting(listed).sorted()
        for key in strays { try await objects.delete(bucket: config.derivedBucket, key: key) }
        return strays.count
    }
}
