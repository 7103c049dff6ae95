import DarkroomTestSupport
import Foundation
import ImageCore
import Pipeline
import PixelStages
import Testing

/// A rederive of one image over folder stores and real libvips, its steps as the rederive state
/// machine runs them: plan, the pipeline's own variant stages, commit.
@Suite struct RederivationTests {
    static let newSet = VariantSpec.defaultText.replacing("small=150x150", with: "small=120x120")
    static let newerSet = VariantSpec.defaultText.replacing("small=150x150", with: "small=100x100")

    /// The plan's job rendered by both variant stages (each reading the record first), merged as
    /// the Parallel state hands them to the commit.
    static func render(_ job: ImageJob, _ setup: StagesTests.Setup) async throws -> ImageJob {
        let resized = try await setup.runner.rederive(
            VariantStage(.resize, objects: setup.objects, config: setup.config), job)
        let thumbnails = try await setup.runner.rederive(
            VariantStage(.thumbnail, objects: setup.objects, config: setup.config), job)
        return try ImageJob.merging([resized, thumbnails])
    }

    static func planned(_ plan: Rederivation.Plan) throws -> ImageJob {
        guard case .render(let job) = plan else { throw PipelineError(.fault, "expected a job to render, got \(plan)") }
        return job
    }

    @Test func theNewSetIsListedBeforeTheOldObjectsGoAndASecondPlanSkips() async throws {
        let setup = try StagesTests.Setup()
        let done = try await setup.runAll(try await setup.job("orientation-6.jpg"))
        let rederivation = Rederivation(jobs: setup.jobs, objects: setup.objects, config: setup.config)
        let job = try Self.planned(try await rederivation.plan(imageId: done.imageId, variants: Self.newSet))
        let old = Set(done.variants.map(\.key))
        // Only small's spec changed: the other variants are kept as they are, not rendered again.
        #expect(Set(job.variants.map(\.name)) == Set(done.variants.map(\.name)).subtracting(["small"]))
        #expect(Set(job.rederive?.replaces ?? []) == old)
        // Rendered from the archived original, not the upload (which expires from uploads/).
        #expect(job.rederive?.original.bucket == "archive" && job.rederive?.original.key.contains("/original.") == true)

        let rendered = try await Self.render(job, setup)
        let new = Set(rendered.variants.map(\.key))
        #expect(new.count == old.count && new.subtracting(old).count == 1)
        // Written, not yet listed: the record still lists the old set, all of whose objects are there.
        let before = try #require(try await setup.jobs.get(done.imageId))
        #expect(Set(before.job?.variants.map(\.key) ?? []) == old)
        for key in old.union(new) { #expect(try await setup.objects.head(bucket: "derived", key: key).size > 0) }

        let outcome = try await rederivation.commit(rendered)
        #expect(outcome.outcome == .rederived && outcome.removed == 1 && outcome.variants == new.count)
        let after = try #require(try await setup.jobs.get(done.imageId))
        #expect(Set(after.job?.variants.map(\.key) ?? []) == new && after.status == .completed)
        let small = try #require(after.job?.variants.first { $0.name == "small" })
        #expect(max(small.width, small.height) <= 120)
        for key in old.subtracting(new) { #expect((try? await setup.objects.head(bucket: "derived", key: key)) == nil) }
        // The commit again (its answer lost, the step retried): nothing changes.
        #expect(try await rederivation.commit(rendered).outcome == .rederived)
        #expect(Set(try #require(try await setup.jobs.get(done.imageId)).job?.variants.map(\.key) ?? []) == new)

        guard case .skip(let skipped) = try await rederivation.plan(imageId: done.imageId, variants: Self.newSet) else {
            Issue.record("an image already on the set is planned again")
            return
        }
        #expect(skipped.why == "already on this set")
    }

    @Test func aCommitOverARecordThatChangedKeepsTheRecordAndTakesBackWhatItWrote() async throws {
        let setup = try StagesTests.Setup()
        let done = try await setup.runAll(try await setup.job("orientation-6.jpg"))
        let rederivation = Rederivation(jobs: setup.jobs, objects: setup.objects, config: setup.config)
        let first = try await Self.render(
            try Self.planned(try await rederivation.plan(imageId: done.imageId, variants: Self.newSet)), setup)
        // Another run moves the image onto a third set in between.
        let second = try await Self.render(
            try Self.planned(try await rederivation.plan(imageId: done.imageId, variants: Self.newerSet)), setup)
        _ = try await rederivation.commit(second)
        await #expect(throws: PipelineError.self) { try await rederivation.commit(first) }
        let record = try #require(try await setup.jobs.get(done.imageId))
        #expect(Set(record.job?.variants.map(\.key) ?? []) == Set(second.variants.map(\.key)))
        for key in Set(first.variants.map(\.key)).subtracting(second.variants.map(\.key)) {
            #expect((try? await setup.objects.head(bucket: "derived", key: key)) == nil, "\(key)")
        }
        for key in record.job?.variants.map(\.key) ?? [] {
            #expect(try await setup.objects.head(bucket: "derived", key: key).size > 0)
        }
    }

    @Test func aFailedRenderLeavesNothingUnderKeysNoRecordNames() async throws {
        let setup = try StagesTests.Setup()
        let done = try await setup.runAll(try await setup.job("orientation-6.jpg"))
        let rederivation = Rederivation(jobs: setup.jobs, objects: setup.objects, config: setup.config)
        let job = try Self.planned(try await rederivation.plan(imageId: done.imageId, variants: Self.newSet))
        // The thumbnail branch wrote small's new key; the resize branch failed.
        let thumbnails = try await setup.runner.rederive(
            VariantStage(.thumbnail, objects: setup.objects, config: setup.config), job)
        let stray = try #require(Set(thumbnails.variants.map(\.key)).subtracting(done.variants.map(\.key)).first)
        #expect(try await setup.objects.head(bucket: "derived", key: stray).size > 0)
        #expect(try await rederivation.withdraw(job) == 1)
        #expect((try? await setup.objects.head(bucket: "derived", key: stray)) == nil)
        for key in done.variants.map(\.key) {
            #expect(try await setup.objects.head(bucket: "derived", key: key).size > 0, "\(key)")
        }
    }

    @Test func onlyACompletedImageIsRendered() async throws {
        let setup = try StagesTests.Setup()
        let job = try await setup.job("orientation-6.jpg")
        _ = try await setup.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        let rederivation = Rederivation(jobs: setup.jobs, objects: setup.objects, config: setup.config)
        guard case .skip(let outcome) = try await rederivation.plan(imageId: job.imageId, variants: nil) else {
            Issue.record("an image in PROCESSING was planned")
            return
        }
        #expect(outcome.why == "it is PROCESSING")
        guard case .skip(let gone) = try await rederivation.plan(imageId: "no-such-image", variants: nil) else {
            Issue.record("an erased image was planned")
            return
        }
        #expect(gone.why == "erased")
        var order = job
        order.rederive = RederiveOrder(variants: Self.newSet, original: job.source, planned: "", replaces: [])
        await #expect(throws: PipelineError.self) {
            try await setup.runner.rederive(VariantStage(.resize, objects: setup.objects, config: setup.config), order)
        }
        #expect(try await setup.objects.list(bucket: "derived", prefix: "").isEmpty)
    }

    @Test func theReportSumsResultWriterFiles() throws {
        let failed = RederiveOutcome(imageId: "b", outcome: .failed, why: #"{"errorMessage":"S3 answered 503"}"#)
        let summary = String(
            decoding: try JSONEncoder().encode(
                RederiveBatch([RederiveOutcome(imageId: "a", outcome: .rederived, removed: 2), failed])), as: UTF8.self)
        let cause = String(
            decoding: try JSONEncoder().encode(["errorType": "Darkroom.BatchFailed", "errorMessage": summary]),
            as: UTF8.self)
        let entries: [[String: String]] = [
            ["Status": "SUCCEEDED", "Output": #"{"rederived":3,"skipped":1,"removed":3,"failed":[]}"#],
            ["Status": "FAILED", "Error": "Darkroom.BatchFailed", "Cause": cause],
            [
                "Status": "TIMED_OUT", "Error": "States.Timeout",
                "Input": #"{"Items":[{"imageId":"c"},{"imageId":"d"}]}"#,
            ],
        ]
        var report = RederiveReport()
        try report.add(resultFile: Array(try JSONEncoder().encode(entries)))
        #expect(report.rederived == 4 && report.skipped == 1 && report.removed == 5 && report.failedBatches == 2)
        #expect(report.failed.map(\.imageId) == ["b", "c", "d"])
        #expect(report.failed.first?.why == "S3 answered 503" && report.failed.last?.why == "States.Timeout")
        #expect(throws: PipelineError.self) { try report.add(resultFile: Array("not json".utf8)) }
        // A long reason is cut short, so a batch's whole summary fits a failed child's cause.
        let long = RederiveBatch([
            RederiveOutcome(imageId: "e", outcome: .failed, why: String(repeating: "x", count: 5000))
        ])
        #expect((long.failed.first?.why?.count ?? 0) < 300)
    }
}
