import DarkroomTestSupport
import Foundation
import ImageCore
import Pipeline
import PixelStages
import Testing

/// What happens to an image that does not complete, over folder stores and real libvips: the one
/// settlement the settle function, the reconciler and the CLI's run share, and the CLI's run itself.
@Suite struct SettlementTests {
    final class Setup {
        let folder: TemporaryFolder
        let objects: LocalObjectStore
        let jobs: LocalJobStore
        let runner: StageRunner
        let config: PipelineConfig

        /// A layout with a quarantine, as in AWS, over folders.
        init() throws {
            folder = try TemporaryFolder()
            try FileManager.default.createDirectory(atPath: folder.path + "/uploads", withIntermediateDirectories: true)
            objects = LocalObjectStore(folders: [
                "uploads": folder.path + "/uploads", "derived": folder.path + "/derived",
                "archive": folder.path + "/archive",
            ])
            jobs = LocalJobStore(folder: folder.path + "/jobs")
            runner = StageRunner(jobs: jobs, notifier: LocalNotifier(path: folder.path + "/notifications.jsonl"))
            config = PipelineConfig(
                derivedBucket: "derived", archiveBucket: "archive",
                layout: StorageLayout(derivedPrefix: "derived/", datedArchive: false, quarantinePrefix: "quarantine/"))
        }

        var settlement: Settlement { Settlement(objects: objects, runner: runner, config: config) }

        func upload(_ fixture: String) async throws -> ImageJob {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Paths.fixtures + "/" + fixture)))
            try await objects.put(
                bucket: "uploads", key: "uploads/\(fixture)", bytes: bytes,
                options: PutOptions(contentType: "image/jpeg"))
            let info = try await objects.head(bucket: "uploads", key: "uploads/\(fixture)")
            return ImageJob(
                source: SourceObject(bucket: "uploads", key: "uploads/\(fixture)", etag: info.etag, size: bytes.count),
                receivedAt: "2026-12-02T10:00:00.000Z")
        }

        func exists(_ bucket: String, _ key: String) async -> Bool {
            (try? await objects.head(bucket: bucket, key: key)) != nil
        }

        func notifications() throws -> [Pipeline.Notification] {
            let text = (try? String(contentsOfFile: folder.path + "/notifications.jsonl", encoding: .utf8)) ?? ""
            return try text.split(separator: "\n").map {
                try JSONDecoder().decode(Pipeline.Notification.self, from: Data($0.utf8))
            }
        }
    }

    @Test func aFailureWithdrawsTheVariantsRecordsFailedAndAnnouncesIt() async throws {
        let setup = try Setup()
        let job = try await setup.upload("orientation-1.jpg")
        _ = try await setup.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        let written = setup.config.variantKeys(imageId: job.imageId)
        for key in written.prefix(2) {
            try await setup.objects.put(
                bucket: "derived", key: key, bytes: [1, 2, 3], options: PutOptions(contentType: "image/jpeg"))
        }
        #expect(await setup.exists("derived", written[0]))
        try await setup.settlement.failed(job, error: PipelineError(.fault, cause: "stuck", "no progress"))
        for key in written { #expect(!(await setup.exists("derived", key)), "\(key)") }
        let record = try #require(try await setup.jobs.get(job.imageId))
        #expect(record.status == .failed && record.cause == "stuck" && record.reason == nil)
        #expect(try setup.notifications().map(\.status) == [.failed])
        // Settled again (a retried catch path): nothing moves, nothing is announced twice.
        try await setup.settlement.failed(job, error: PipelineError(.fault, cause: "stuck", "no progress"))
        #expect(try setup.notifications().count == 1)
    }

    @Test func aFinalImageKeepsItsVariants() async throws {
        let setup = try Setup()
        let job = try await setup.upload("orientation-1.jpg")
        _ = try await setup.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        _ = try await setup.jobs.update(
            job.imageId, JobUpdate(status: .completed, job: job), at: "2026-12-02T10:00:01.000Z")
        let key = try #require(setup.config.variantKeys(imageId: job.imageId).first)
        try await setup.objects.put(
            bucket: "derived", key: key, bytes: [1], options: PutOptions(contentType: "image/jpeg"))
        try await setup.settlement.failed(job, error: PipelineError(.fault, "late"))
        #expect(await setup.exists("derived", key))
        #expect(try #require(try await setup.jobs.get(job.imageId)).status == .completed)
    }

    @Test func aRejectionSetsTheOriginalAsideOnlyWhenTheRecordSaysRejected() async throws {
        let setup = try Setup()
        var job = try await setup.upload("truncated.jpg")
        job.format = "jpeg"
        _ = try await setup.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        try await setup.settlement.rejected(job)
        #expect(await setup.exists("uploads", job.source.key), "a PROCESSING record moves nothing")
        _ = try await setup.jobs.update(
            job.imageId, JobUpdate(status: .rejected, reason: "corrupt"), at: "2026-12-02T10:00:01.000Z")
        try await setup.settlement.rejected(job)
        #expect(!(await setup.exists("uploads", job.source.key)))
        #expect(await setup.exists("uploads", "quarantine/\(job.imageId)/original.jpg"))
        try await setup.settlement.rejected(job)  // again: the original is already aside
    }

    /// An erase racing the set-aside: the erase notes the image before it lists anything, so a
    /// set-aside that copies after the note finds it and removes its copy; one that copied before
    /// is found by the erase's own listing (the API's erase, in ImageAPIRouteTests).
    @Test func aSetAsideAfterAnEraseNoteRemovesWhatItCopied() async throws {
        let setup = try Setup()
        let catalog = LocalImageCatalog(jobs: setup.jobs, erasedFolder: setup.folder.path + "/erased")
        let settlement = Settlement(
            objects: setup.objects, runner: setup.runner, config: setup.config, catalog: catalog)
        var job = try await setup.upload("truncated.jpg")
        job.format = "jpeg"
        _ = try await setup.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        let record = try await setup.jobs.update(
            job.imageId, JobUpdate(status: .rejected, reason: "corrupt"), at: "2026-12-02T10:00:01.000Z")
        // Not erased: the copy stays.
        var other = try await setup.upload("orientation-1.jpg")
        other.format = "jpeg"
        _ = try await setup.jobs.create(other, at: "2026-12-02T10:00:00.000Z")
        _ = try await setup.jobs.update(
            other.imageId, JobUpdate(status: .rejected, reason: "corrupt"), at: "2026-12-02T10:00:01.000Z")
        try await settlement.rejected(other)
        #expect(await setup.exists("uploads", "quarantine/\(other.imageId)/original.jpg"))
        // Erased meanwhile (noted, its record not yet forgotten): nothing is left behind.
        try await catalog.noteErased(record, at: "2026-12-02T10:00:02.000Z")
        try await settlement.rejected(job)
        #expect(!(await setup.exists("uploads", job.source.key)))
        #expect(!(await setup.exists("uploads", "quarantine/\(job.imageId)/original.jpg")))
    }

    /// The CLI's run, reached from the library: a good photo completes, a damaged one is REJECTED
    /// with its reason, and neither leaves a half-published image.
    @Test func theInProcessRunEndsEachImageWithItsStatus() async throws {
        let out = try TemporaryFolder()
        let flow = PipelineFlow.local(
            outputFolder: out.path, variants: VariantSpec.defaults, limits: ImageLimits(), watermark: nil)
        let good = try await flow.run(
            try await flow.job(bucket: PipelineFlow.sourceBucket, key: Paths.fixtures + "/orientation-6.jpg"))
        let record = try #require(try await flow.jobs.get(good.imageId))
        #expect(record.status == .completed && record.job?.variants.count == 6)
        let bad = try await flow.job(bucket: PipelineFlow.sourceBucket, key: Paths.fixtures + "/truncated.jpg")
        await #expect(throws: PipelineError.self) { try await flow.run(bad) }
        let rejected = try #require(try await flow.jobs.get(bad.imageId))
        #expect(rejected.status == .rejected && rejected.reason == "corrupt")
        #expect(!FileManager.default.fileExists(atPath: out.path + "/" + bad.imageId))
    }
}
