import Foundation
import ImageCore
import Pipeline
import PixelStages
import DarkroomTestSupport
import Testing
import MediaTypes

/// The stages over real local stores and real libvips, composed as the state machine runs them.
@Suite struct StagesTests {
    final class Setup {
        let folder: TemporaryFolder
        let objects: LocalObjectStore
        let jobs: LocalJobStore
        let runner: StageRunner
        let config: PipelineConfig
        var notifications: String { folder.path + "/notifications.jsonl" }

        init(variants: [VariantSpec] = VariantSpec.defaults, maxPixels: Int = 100_000_000) throws {
            folder = try TemporaryFolder()
            objects = LocalObjectStore(folders: [
                "uploads": Paths.fixtures, "derived": folder.path + "/derived", "archive": folder.path + "/archive",
            ])
            jobs = LocalJobStore(folder: folder.path + "/jobs")
            runner = StageRunner(jobs: jobs, notifier: LocalNotifier(path: folder.path + "/notifications.jsonl"))
            config = PipelineConfig(
                derivedBucket: "derived", archiveBucket: "archive", variants: variants, maxPixels: maxPixels)
        }

        func job(_ name: String) async throws -> ImageJob {
            let info = try await objects.head(bucket: "uploads", key: name)
            return ImageJob(
                source: SourceObject(bucket: "uploads", key: name, etag: info.etag, size: info.size),
                receivedAt: "2026-11-26T10:00:00.000Z")
        }

        /// validate -> metadata -> (resize, thumbnail, moderate) -> archive.
        func runAll(_ job: ImageJob) async throws -> ImageJob {
            var job = try await runner.run(ValidateStage(objects: objects, config: config), job)
            job = try await runner.run(MetadataStage(objects: objects, config: config), job)
            let resized = try await runner.run(VariantStage(.resize, objects: objects, config: config), job)
            let thumbnails = try await runner.run(VariantStage(.thumbnail, objects: objects, config: config), job)
            let moderated = try await runner.run(ModerateStage(moderator: nil), job)
            return try await runner.run(
                ArchiveStage(objects: objects, config: config), try ImageJob.merging([resized, thumbnails, moderated]))
        }
    }

    @Test func aGoodPhotoEndsCompletedWithEverythingRecorded() async throws {
        let setup = try Setup()
        let job = try await setup.runAll(try await setup.job("orientation-6.jpg"))
        let record = try #require(try await setup.jobs.get(job.imageId))
        #expect(record.status == .completed)
        #expect(Set(record.stages.keys) == Set(StageName.allCases.map(\.rawValue)))
        for stage in record.stages.values {
            #expect(stage.outcome == .succeeded && stage.durationMs != nil && stage.endedAt != nil, "\(stage.stage)")
        }
        #expect(record.job?.moderation?.status == .skipped)
        let metadata = try #require(record.job?.metadata)
        #expect(metadata.width == 64 && metadata.height == 48 && metadata.orientation == 6)
        #expect(metadata.make == "DarkroomCam" && metadata.sha256 == job.sha256)

        // Variants: every name and format of the spec, the right size, in the derived folder under
        // derived/{imageId}/, and readable.
        #expect(job.variants.count == 6)
        for variant in job.variants {
            // derived/{imageId}/{name}.{spec version}.{ext}: a changed spec never rewrites a cached key.
            let spec = try #require(VariantSpec.defaults.first { $0.name == variant.name })
            let format = try #require(OutputFormat(rawValue: variant.format))
            #expect(variant.key == StorageLayout.aws.variantKey(imageId: job.imageId, spec: spec, format: format))
            #expect(variant.key.hasPrefix("derived/\(job.imageId)/\(variant.name)."))
            let bytes = try await setup.objects.get(bucket: "derived", key: variant.key)
            let header = try ImageHeader.read(ImageSource(bytes), limits: ImageLimits())
            #expect(header.width == variant.width && header.height == variant.height && bytes.count == variant.bytes)
            #expect(header.exif == nil)
        }
        let square = try #require(job.variants.first { $0.name == "square" })
        #expect(square.width == 48 && square.height == 48)

        // Archive: dated prefix, the original only (the variants can be made again; in AWS its
        // metadata rides on it as S3 metadata, which a folder does not keep: test_end_to_end reads it).
        let archive = try #require(job.archive)
        #expect(archive.prefix == "archive/2026/11/26/\(job.imageId)/")
        let stored = try await setup.objects.list(bucket: "archive", prefix: archive.prefix).map(\.key)
        #expect(stored == archive.keys && stored == [archive.prefix + "original.jpg"])
        let original = try await setup.objects.get(bucket: "archive", key: archive.prefix + "original.jpg")
        #expect(ContentHash.sha256Hex(original) == job.sha256)

        let lines = try String(contentsOfFile: setup.notifications, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("\"COMPLETED\""))
    }

    @Test(arguments: [
        ("empty.jpg", "empty"), ("text.jpg", "unsupported_format"), ("external.svg", "unsupported_format"),
        ("document.pdf", "unsupported_format"), ("bomb.png", "too_many_pixels"), ("bomb.jpg", "too_many_pixels"),
        ("truncated.jpg", "corrupt"),
    ])
    func badInputsEndRejectedWithNothingPublished(_ name: String, _ reason: String) async throws {
        let setup = try Setup()
        let job = try await setup.job(name)
        let error = await #expect(throws: PipelineError.self) { try await setup.runAll(job) }
        #expect(error?.code == .rejected && error?.reason == reason)
        let record = try #require(try await setup.jobs.get(job.imageId))
        #expect(record.status == .rejected && record.reason == reason && record.detail?.isEmpty == false)
        #expect(try await setup.objects.list(bucket: "derived", prefix: "").isEmpty)
        #expect(try await setup.objects.list(bucket: "archive", prefix: "").isEmpty)
        let lines = try String(contentsOfFile: setup.notifications, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(reason))
    }

    @Test func theByteLimitIsCheckedBeforeReading() async throws {
        let setup = try Setup()
        var config = setup.config
        config.maxBytes = 100
        let job = try await setup.job("orientation-1.jpg")
        let error = await #expect(throws: PipelineError.self) {
            try await setup.runner.run(ValidateStage(objects: setup.objects, config: config), job)
        }
        #expect(error?.reason == "too_large")
    }

    @Test func aDuplicateEventDoesNoDuplicateWork() async throws {
        let setup = try Setup()
        let job = try await setup.job("orientation-1.jpg")
        _ = try await setup.runAll(job)
        let before = try #require(try await setup.jobs.get(job.imageId))
        let error = await #expect(throws: PipelineError.self) { try await setup.runAll(job) }
        #expect(error?.code == .duplicate)
        #expect(try await setup.jobs.get(job.imageId) == before)
        let lines = try String(contentsOfFile: setup.notifications, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
    }

    @Test func aFaultIsRecordedFailedOnce() async throws {
        let setup = try Setup()
        let job = try await setup.job("orientation-1.jpg")
        _ = try await setup.runner.run(ValidateStage(objects: setup.objects, config: setup.config), job)
        try await setup.runner.fail(job, error: PipelineError(.transient, "S3 kept answering 503"))
        let record = try #require(try await setup.jobs.get(job.imageId))
        #expect(record.status == .failed && record.detail?.contains("503") == true)
        // A later failure report does not overwrite the first final status.
        try await setup.runner.fail(job, error: PipelineError(.fault, "again"))
        #expect(try await setup.jobs.get(job.imageId)?.detail?.contains("503") == true)
    }

    @Test func anOutcomeWhoseAnnouncementFailedIsAnnouncedByTheRetry() async throws {
        let setup = try Setup()
        // The first run's notifier cannot write (SNS failing): the outcome is recorded, not announced.
        let failing = StageRunner(
            jobs: setup.jobs, notifier: LocalNotifier(path: setup.folder.path + "/missing/notifications.jsonl"))
        let job = try await setup.job("orientation-1.jpg")
        var done = try await failing.run(ValidateStage(objects: setup.objects, config: setup.config), job)
        done = try await failing.run(MetadataStage(objects: setup.objects, config: setup.config), done)
        let archive = ArchiveStage(objects: setup.objects, config: setup.config)
        await #expect(throws: PipelineError.self) { try await failing.run(archive, done) }
        let recorded = try #require(try await setup.jobs.get(job.imageId))
        #expect(recorded.status == .completed && recorded.announced == false)
        // The retry finds the image final, announces it, and does nothing else; a second retry is
        // quiet.
        for _ in 0..<2 {
            await #expect(throws: PipelineError.self) { try await setup.runner.run(archive, done) }
        }
        let lines = try String(contentsOfFile: setup.notifications, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("\"COMPLETED\""))
        #expect(try await setup.jobs.get(job.imageId)?.announced == true)
    }

    /// An object store that counts its reads, over the real local one.
    struct CountingStore: ObjectStore {
        let inner: LocalObjectStore
        let reads = Counter()
        final class Counter: @unchecked Sendable {
            private let lock = NSLock()
            private var value = 0
            func add() { lock.lock(); value += 1; lock.unlock() }
            var count: Int { lock.lock(); defer { lock.unlock() }; return value }
        }
        func head(bucket: String, key: String) async throws -> ObjectInfo {
            try await inner.head(bucket: bucket, key: key)
        }
        func get(bucket: String, key: String, version: ObjectVersion?, maxBytes: Int?) async throws -> [UInt8] {
            reads.add()
            return try await inner.get(bucket: bucket, key: key, version: version, maxBytes: maxBytes)
        }
        func put(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws {
            try await inner.put(bucket: bucket, key: key, bytes: bytes, options: options)
        }
        func copy(
            fromBucket: String, fromKey: String, version: ObjectVersion?, toBucket: String, toKey: String,
            replacing: PutOptions?
        ) async throws {
            try await inner.copy(
                fromBucket: fromBucket, fromKey: fromKey, version: version, toBucket: toBucket, toKey: toKey,
                replacing: replacing)
        }
        func list(bucket: String, prefix: String) async throws -> [ObjectInfo] {
            try await inner.list(bucket: bucket, prefix: prefix)
        }
        func delete(bucket: String, key: String, versionId: String?) async throws {
            try await inner.delete(bucket: bucket, key: key, versionId: versionId)
        }
        func eraseAll(bucket: String, key: String, isPrefix: Bool) async throws -> Int {
            try await inner.eraseAll(bucket: bucket, key: key, isPrefix: isPrefix)
        }
    }

    /// In one process (the CLI), resize and thumbnail share one download and one decode of an image,
    /// and make the same variants as when each decodes for itself (as in Lambda).
    @Test func variantStagesSharingADecodeReadAndDecodeOnceWithTheSameOutputs() async throws {
        let setup = try Setup()
        let job = try await setup.runner.run(
            ValidateStage(objects: setup.objects, config: setup.config), try await setup.job("orientation-6.jpg"))
        let store = CountingStore(inner: setup.objects)
        let shared = SharedDecodes()
        let resize = VariantStage(.resize, objects: store, config: setup.config, shared: shared)
        let thumbnail = VariantStage(.thumbnail, objects: store, config: setup.config, shared: shared)
        async let resized = resize.run(job)
        async let thumbnails = thumbnail.run(job)
        let together = try await [resized, thumbnails].flatMap(\.variants)
        #expect(
            store.reads.count == 1 && shared.decodesMade == 1,
            "\(store.reads.count) reads, \(shared.decodesMade) decodes")
        shared.forget(job.imageId)

        var apart: [Variant] = []
        for maker in VariantSpec.Maker.allCases {
            apart += try await VariantStage(maker, objects: setup.objects, config: setup.config).run(job).variants
        }
        #expect(together.count == 6 && apart.count == 6)
        for variant in together {
            let alone = try #require(apart.first { $0.key == variant.key })
            #expect(variant.width == alone.width && variant.height == alone.height, "\(variant.name)")
        }
    }

    @Test func resizeAndThumbnailMakeOnlyTheirOwnVariants() async throws {
        let setup = try Setup(variants: try VariantSpec.parseList("resize:big=40:png thumbnail:tiny=16:webp+avif"))
        var job = try await setup.job("rgba.png")
        job = try await VariantStage(.resize, objects: setup.objects, config: setup.config).run(job)
        #expect(job.variants.map(\.name) == ["big"])
        job = try await VariantStage(.thumbnail, objects: setup.objects, config: setup.config).run(job)
        #expect(job.variants.map { "\($0.name).\($0.format)" } == ["big.png", "tiny.webp", "tiny.avif"])
        #expect(job.variants[0].width == 40 && job.variants[0].height == 30)
        for variant in job.variants {
            let bytes = try await setup.objects.get(bucket: "derived", key: variant.key)
            #expect(
                try ImageHeader.read(ImageSource(bytes), limits: ImageLimits()).hasAlpha, "\(variant.key) lost alpha")
        }
    }
}
