import Foundation
import ImageCore
import Pipeline
import PixelStages
import DarkroomTestSupport
import Testing

/// The reconciler over real local stores, with images restarted through the real stages: uploads
/// whose event was lost and records whose execution died are found, started again and completed;
/// an image out of restarts ends FAILED with its variants withdrawn.
@Suite struct ReconcilerTests {
    /// An upload folder of fixtures, stores, and a clock an hour ahead (so the uploads look old).
    final class Setup: @unchecked Sendable {
        let folder: TemporaryFolder
        let objects: LocalObjectStore
        let jobs: LocalJobStore
        let config = PipelineConfig(derivedBucket: "derived", archiveBucket: "archive")
        let notifier: LocalNotifier
        let now = Date().addingTimeInterval(3_600)
        var notifications: String { folder.path + "/notifications.jsonl" }

        init(uploads: [String: String]) throws {
            folder = try TemporaryFolder()
            try FileManager.default.createDirectory(
                atPath: folder.path + "/uploads/uploads", withIntermediateDirectories: true)
            for (name, fixture) in uploads {
                try FileManager.default.copyItem(
                    atPath: Paths.fixtures + "/" + fixture, toPath: folder.path + "/uploads/uploads/" + name)
            }
            objects = LocalObjectStore(folders: [
                "uploads": folder.path + "/uploads", "derived": folder.path + "/derived",
                "archive": folder.path + "/archive",
            ])
            jobs = LocalJobStore(folder: folder.path + "/jobs")
            notifier = LocalNotifier(path: folder.path + "/notifications.jsonl")
        }

        /// A runner whose records are written at `time`.
        func runner(at time: Date) -> StageRunner { StageRunner(jobs: jobs, notifier: notifier, clock: { time }) }

        func job(_ name: String) async throws -> ImageJob {
            let info = try await objects.head(bucket: "uploads", key: "uploads/" + name)
            return ImageJob(
                source: SourceObject(bucket: "uploads", key: "uploads/" + name, etag: info.etag, size: info.size),
                receivedAt: Timestamp.string(Date()))
        }

        /// The first `count` steps of the pipeline (validate, metadata, resize, thumbnail,
        /// moderate, archive), recorded at `time`; the rest never run, as when an execution dies.
        @discardableResult
        func run(_ name: String, steps count: Int = 6, at time: Date = Date()) async throws -> ImageJob {
            let runner = runner(at: time)
            var job = try await job(name)
            let steps: [any Stage] = [
                ValidateStage(objects: objects, config: config), MetadataStage(objects: objects, config: config),
                VariantStage(.resize, objects: objects, config: config),
                VariantStage(.thumbnail, objects: objects, config: config),
                ModerateStage(moderator: nil),
            ]
            var outputs: [ImageJob] = []
            for (index, stage) in steps.prefix(count).enumerated() {
                let output = try await runner.run(stage, job)
                if index < 2 { job = output } else { outputs.append(output) }
            }
            if count >= 6 {
                job = try await runner.run(
                    ArchiveStage(objects: objects, config: config), try ImageJob.merging(outputs))
            }
            return job
        }

        func reconciler(_ options: ReconcileOptions, starter: any ExecutionStarter) -> Reconciler {
            let now = now
            return Reconciler(
                objects: objects, jobs: jobs, runner: runner(at: now), config: config, starter: starter,
                options: options,
                clock: { now })
        }

        func record(_ name: String) async throws -> JobRecord? {
            try await jobs.get(try await job(name).imageId)
        }

        func derivedFiles(_ imageId: String) -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: folder.path + "/derived/derived/" + imageId)) ?? []
        }

        func notified() throws -> [Pipeline.Notification] {
            guard let text = try? String(contentsOfFile: notifications, encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map {
                try JSONDecoder().decode(Pipeline.Notification.self, from: Data($0.utf8))
            }
        }
    }

    /// Starts an image again the way the state machine would: every stage, in this process.
    struct StagesStarter: ExecutionStarter {
        let setup: Setup
        func start(_ source: SourceObject, attempt: Int) async throws {
            try await setup.run(String(source.key.dropFirst("uploads/".count)))
        }
    }

    init() throws { try Vips.start() }

    @Test func lostUploadsAndStuckRecordsAreStartedAgainAndComplete() async throws {
        let setup = try Setup(uploads: [
            "lost.jpg": "orientation-1.jpg", "killed.jpg": "orientation-6.jpg",
            "done.jpg": "orientation-3.jpg", "running.jpg": "orientation-8.jpg",
        ])
        try await setup.run("killed.jpg", steps: 3)  // died after resize
        try await setup.run("done.jpg")
        try await setup.run("running.jpg", steps: 2, at: setup.now.addingTimeInterval(-60))  // still within the timeout
        let options = ReconcileOptions(uploadsBucket: "uploads")
        let report = try await setup.reconciler(options, starter: StagesStarter(setup: setup)).run()

        #expect(report.uploadsChecked == 4)
        let byKey = Dictionary(uniqueKeysWithValues: report.entries.map { ($0.key, $0) })
        #expect(Set(byKey.keys) == ["uploads/lost.jpg", "uploads/killed.jpg"])
        #expect(byKey["uploads/lost.jpg"]?.found == "MISSING" && byKey["uploads/lost.jpg"]?.action == .restarted)
        #expect(byKey["uploads/killed.jpg"]?.found == "PROCESSING" && byKey["uploads/killed.jpg"]?.action == .restarted)
        for name in ["lost.jpg", "killed.jpg"] {
            let record = try #require(try await setup.record(name))
            #expect(record.status == .completed, "\(name)")
            #expect(record.restarts == 1, "\(name)")
            #expect(setup.derivedFiles(record.imageId).count == 6, "\(name)")
        }
        #expect(try await setup.record("running.jpg")?.status == .processing)
        #expect(try await setup.record("done.jpg")?.restarts == nil)
        // One announcement per image, none twice.
        let notified = try setup.notified().map(\.source.key)
        #expect(notified.sorted() == ["uploads/done.jpg", "uploads/killed.jpg", "uploads/lost.jpg"])

        // A second pass finds nothing more to do.
        let again = try await setup.reconciler(options, starter: StagesStarter(setup: setup)).run()
        #expect(again.entries.isEmpty)
    }

    @Test func anImageOutOfRestartsEndsFailedWithItsVariantsWithdrawn() async throws {
        let setup = try Setup(uploads: ["stuck.jpg": "orientation-6.jpg"])
        let job = try await setup.run("stuck.jpg", steps: 4)  // resize and thumbnail wrote their variants
        #expect(setup.derivedFiles(job.imageId).count == 6)
        let old = Timestamp.string(Date())
        for _ in 0..<2 {
            let record = try #require(try await setup.jobs.get(job.imageId))
            _ = try await setup.jobs.restart(record, at: old)
        }
        let report = try await setup.reconciler(
            ReconcileOptions(uploadsBucket: "uploads", maxRestarts: 2), starter: StagesStarter(setup: setup)
        ).run()

        #expect(report.entries.map(\.action) == [.failed])
        let record = try #require(try await setup.jobs.get(job.imageId))
        #expect(record.status == .failed && record.cause == "stuck" && record.reason == nil)
        #expect(record.detail?.contains("after 2 restart(s)") == true)
        #expect(setup.derivedFiles(job.imageId).isEmpty)
        let notified = try setup.notified()
        #expect(notified.count == 1 && notified.first?.status == .failed && notified.first?.variants == [])
    }

    @Test func outcomesWhoseAnnouncementFailedAreAnnouncedOnce() async throws {
        let setup = try Setup(uploads: [
            "unannounced.jpg": "orientation-1.jpg", "died.jpg": "orientation-3.jpg", "fine.jpg": "orientation-6.jpg",
        ])
        // SNS failed past the run's retries: recorded COMPLETED, announced false.
        let failing = StageRunner(
            jobs: setup.jobs, notifier: LocalNotifier(path: setup.folder.path + "/missing/notifications.jsonl"),
            clock: { Date() })
        let job = try await setup.job("unannounced.jpg")
        await #expect(throws: PipelineError.self) {
            try await failing.run(
                ValidateStage(
                    objects: setup.objects,
                    config: PipelineConfig(derivedBucket: "derived", archiveBucket: "archive", maxBytes: 10)), job)
        }
        #expect(try await setup.jobs.get(job.imageId)?.announced == false)
        // No `announced` at all (a record older than the field, or a run that died in the instant
        // between its final write and its publish): left alone, not announced a second time.
        let died = try await setup.job("died.jpg")
        _ = try await setup.jobs.create(died, at: Timestamp.string(Date()))
        _ = try await setup.jobs.update(
            died.imageId, JobUpdate(status: .rejected, reason: "corrupt", detail: "bad"), at: Timestamp.string(Date()))
        try await setup.run("fine.jpg")

        let report = try await setup.reconciler(
            ReconcileOptions(uploadsBucket: "uploads"), starter: StagesStarter(setup: setup)
        ).run()
        #expect(report.entries.map(\.key) == ["uploads/unannounced.jpg"])
        #expect(report.entries.allSatisfy { $0.action == .announced })
        let notified = try setup.notified()
        #expect(notified.map(\.source.key).sorted() == ["uploads/fine.jpg", "uploads/unannounced.jpg"])
        #expect(notified.first { $0.source.key == "uploads/unannounced.jpg" }?.reason == "too_large")
        let again = try await setup.reconciler(
            ReconcileOptions(uploadsBucket: "uploads"), starter: StagesStarter(setup: setup)
        ).run()
        #expect(again.entries.isEmpty)
    }

    @Test func aDryRunChangesNothingAndTheLimitDefersTheRest() async throws {
        let setup = try Setup(uploads: ["a.jpg": "orientation-1.jpg", "b.jpg": "orientation-3.jpg"])
        let options = ReconcileOptions(uploadsBucket: "uploads", limit: 1, dryRun: true)
        let report = try await setup.reconciler(options, starter: StagesStarter(setup: setup)).run()
        #expect(report.dryRun)
        #expect(report.entries.map(\.action).sorted { $0.rawValue < $1.rawValue } == [.deferred, .restarted])
        let a = try await setup.record("a.jpg"), b = try await setup.record("b.jpg")
        #expect(a == nil && b == nil)
        #expect(try setup.notified().isEmpty)
    }

    @Test func uploadsOutsideTheWindowAreNotChecked() async throws {
        let setup = try Setup(uploads: ["a.jpg": "orientation-1.jpg"])
        // Too new: within --stuck-after of now; too old: before the lookback.
        for options in [
            ReconcileOptions(uploadsBucket: "uploads", stuckAfter: 7_200),
            ReconcileOptions(uploadsBucket: "uploads", lookback: 1_800),
        ] {
            let report = try await setup.reconciler(options, starter: StagesStarter(setup: setup)).run()
            #expect(report.uploadsChecked == 0 && report.entries.isEmpty)
        }
    }

    @Test func aRestartLosesToARecordThatMoved() async throws {
        let setup = try Setup(uploads: ["a.jpg": "orientation-1.jpg"])
        let job = try await setup.run("a.jpg", steps: 1, at: Date())
        let seen = try #require(try await setup.jobs.get(job.imageId))
        _ = try await setup.run("a.jpg", steps: 2, at: Date().addingTimeInterval(1))
        await #expect(throws: PipelineError.self) { try await setup.jobs.restart(seen, at: Timestamp.string(Date())) }
    }
}
