import DarkroomTestSupport
import Foundation
import Pipeline
import Testing

/// An adopt run's step for one object, over folder stores: the copy under `uploads/adopted/`, its
/// claim, and what a second run, a run beside it, and a retry whose answer was lost find.
@Suite struct AdoptionTests {
    final class Setup {
        let folder: TemporaryFolder
        let objects: LocalObjectStore
        let jobs: LocalJobStore

        init() throws {
            folder = try TemporaryFolder()
            for name in ["photos", "uploads"] {
                try FileManager.default.createDirectory(
                    atPath: folder.path + "/" + name, withIntermediateDirectories: true)
            }
            objects = LocalObjectStore(folders: [
                "photos": folder.path + "/photos", "uploads": folder.path + "/uploads",
            ])
            jobs = LocalJobStore(folder: folder.path + "/jobs")
        }

        var adoption: Adoption { Adoption(jobs: jobs, objects: objects, uploadsBucket: "uploads") }

        /// `bytes` stored as `key` in the source bucket, listed as the Distributed Map lists it.
        func listed(_ key: String, _ bytes: [UInt8], run: String = "run-1", storageClass: String = "STANDARD")
            async throws -> AdoptItem
        {
            try await objects.put(
                bucket: "photos", key: key, bytes: bytes, options: PutOptions(contentType: "application/octet-stream"))
            let info = try await objects.head(bucket: "photos", key: key)
            return AdoptItem(
                bucket: "photos", key: key, etag: "\"\(info.etag ?? "")\"", size: info.size,
                storageClass: storageClass, run: run)
        }

        func adopt(_ item: AdoptItem, at time: String = "2026-12-02T10:00:00.000Z") async throws -> AdoptOutcome {
            try await adoption.adopt(item, allowed: "photos", at: time)
        }
    }

    static let photo: [UInt8] = Array("a photo's bytes".utf8)

    @Test func anObjectIsCopiedOnceUnderAKeyOfItsSourceAndASecondRunSkipsIt() async throws {
        let setup = try Setup()
        let item = try await setup.listed("shoot/Day 1/IMG_0001.JPG", Self.photo)
        let outcome = try await setup.adopt(item)
        let key = Adoption.copyKey(item)
        #expect(outcome.outcome == .adopted)
        #expect(key.hasPrefix("uploads/adopted/") && key.hasSuffix(".jpg"))
        #expect(try await setup.objects.get(bucket: "uploads", key: key) == Self.photo)
        // The image id is the one the pipeline gives the copy's upload event.
        let copy = try await setup.objects.head(bucket: "uploads", key: key)
        let source = SourceObject(bucket: "uploads", key: key, etag: copy.etag, size: copy.size)
        #expect(outcome.imageId == ImageJob.imageId(for: source))
        // Owned by the operator, as any upload outside the API's keys.
        #expect(Owner.of(key: key).owner == Owner.operatorId)

        var later = item
        later.run = "run-2"
        let again = try await setup.adopt(later)
        #expect(again.outcome == .skipped && again.imageId == outcome.imageId && again.why == "adopted before")
    }

    @Test func theSameKeyWithOtherBytesIsAnotherSource() async throws {
        let setup = try Setup()
        let first = try await setup.listed("shoot/a.jpg", Self.photo)
        _ = try await setup.adopt(first)
        let second = try await setup.listed("shoot/a.jpg", Array("retouched".utf8), run: "run-2")
        let outcome = try await setup.adopt(second)
        #expect(outcome.outcome == .adopted)
        #expect(Adoption.copyKey(first) != Adoption.copyKey(second))
    }

    @Test func aRetryWhoseAnswerWasLostFindsItsCopyAndMakesNoSecond() async throws {
        let setup = try Setup()
        let item = try await setup.listed("shoot/a.jpg", Self.photo)
        // The first try copied, then died before it wrote the adoption down: its claim is all
        // the table has, and its copy is under the key.
        let claim = try await setup.jobs.claimAdoption(
            Adoption.sourceHash(item), run: item.run, source: "s3://photos/shoot/a.jpg", at: "2026-12-02T09:59:00.000Z")
        #expect(claim == .claimed)
        let key = Adoption.copyKey(item)
        let firstCopy = Array("the first try's copy".utf8)
        try await setup.objects.put(
            bucket: "uploads", key: key, bytes: firstCopy, options: PutOptions(contentType: "image/jpeg"))
        let outcome = try await setup.adopt(item)
        #expect(outcome.outcome == .adopted)
        #expect(try await setup.objects.get(bucket: "uploads", key: key) == firstCopy)
        let copy = try await setup.objects.head(bucket: "uploads", key: key)
        #expect(
            outcome.imageId
                == ImageJob.imageId(for: SourceObject(bucket: "uploads", key: key, etag: copy.etag, size: copy.size)))
    }

    @Test func anotherRunsFreshClaimKeepsThisRunOffUntilItIsStale() async throws {
        let setup = try Setup()
        let item = try await setup.listed("shoot/a.jpg", Self.photo, run: "run-2")
        var holder = item
        holder.run = "run-1"
        // run-1 claimed it and has not finished (its copy was never made).
        let claim = try await setup.jobs.claimAdoption(
            Adoption.sourceHash(holder), run: "run-1", source: "s3://photos/shoot/a.jpg", at: "2026-12-02T10:00:00.000Z"
        )
        #expect(claim == .claimed)
        let busy = try await setup.adopt(item, at: "2026-12-02T10:05:00.000Z")
        #expect(busy.outcome == .failed && busy.why?.contains("run-1") == true)
        #expect((try? await setup.objects.head(bucket: "uploads", key: Adoption.copyKey(item))) == nil)
        // run-1 died: a quarter of an hour on, its claim no longer counts.
        let taken = try await setup.adopt(item, at: "2026-12-02T10:16:00.000Z")
        #expect(taken.outcome == .adopted)
    }

    @Test func aFailedStepGivesItsClaimBackSoAnotherRunNeedNotWait() async throws {
        let setup = try Setup()
        var item = try await setup.listed("shoot/a.jpg", Self.photo)
        item.etag = "\"0000\""  // changed since it was listed: the copy is refused
        let failed = try await setup.adopt(item)
        #expect(failed.outcome == .failed)
        // Another run a minute later claims it (the claim was given back), not "busy".
        #expect(
            try await setup.jobs.claimAdoption(
                Adoption.sourceHash(item), run: "run-2", source: "s3://photos/shoot/a.jpg",
                at: "2026-12-02T10:01:00.000Z") == .claimed)
        // A claim is given back only by its own run, and never once adopted.
        try await setup.jobs.releaseAdoption(Adoption.sourceHash(item), run: "run-1")
        #expect(
            try await setup.jobs.claimAdoption(
                Adoption.sourceHash(item), run: "run-3", source: "s3://photos/shoot/a.jpg",
                at: "2026-12-02T10:02:00.000Z") == .busy(run: "run-2"))
    }

    @Test func foldersAreSkippedAndUnreadableObjectsFailWithTheirReason() async throws {
        let setup = try Setup()
        let folder = AdoptItem(bucket: "photos", key: "shoot/empty/", etag: nil, size: 0, run: "run-1")
        #expect(try await setup.adopt(folder).outcome == .skipped)
        let frozen = try await setup.listed("shoot/cold.jpg", Self.photo, storageClass: "DEEP_ARCHIVE")
        let cold = try await setup.adopt(frozen)
        #expect(cold.outcome == .failed && cold.why?.contains("DEEP_ARCHIVE") == true)
        #expect((try? await setup.objects.head(bucket: "uploads", key: Adoption.copyKey(frozen))) == nil)

        // Changed since it was listed: the listed bytes are gone, so nothing is copied.
        var changed = try await setup.listed("shoot/b.jpg", Self.photo)
        changed.etag = "\"0000\""
        let stale = try await setup.adopt(changed)
        #expect(stale.outcome == .failed && stale.error == "source_changed")
        #expect((try? await setup.objects.head(bucket: "uploads", key: Adoption.copyKey(changed))) == nil)
    }

    @Test func onlyTheStacksAdoptBucketIsReadAndNeverTheUploadsBucket() async throws {
        let setup = try Setup()
        let item = try await setup.listed("shoot/a.jpg", Self.photo)
        await #expect(throws: PipelineError.self) {
            try await setup.adoption.adopt(item, allowed: "elsewhere", at: "t")
        }
        await #expect(throws: PipelineError.self) { try await setup.adoption.adopt(item, allowed: nil, at: "t") }
        let upload = AdoptItem(bucket: "uploads", key: "uploads/x.jpg", etag: nil, size: 3, run: "run-1")
        await #expect(throws: PipelineError.self) {
            try await setup.adoption.adopt(upload, allowed: "uploads", at: "t")
        }
    }

    @Test func aBatchReportsEveryObjectAndTheReportSumsChildrenThatDied() throws {
        let batch = AdoptBatch([
            AdoptOutcome(key: "a.jpg", outcome: .adopted, imageId: "i1"),
            AdoptOutcome(
                key: "b.jpg", outcome: .failed, why: String(repeating: "x", count: 1_000), error: "InvalidObjectState"),
        ])
        #expect(batch.failed.count == 1 && (batch.failed[0].why?.count ?? 0) < 300)
        let summary = String(decoding: try JSONEncoder().encode(batch), as: UTF8.self)
        let cause = String(
            decoding: try JSONEncoder().encode(["errorType": "Darkroom.BatchFailed", "errorMessage": summary]),
            as: UTF8.self)
        let children: [[String: String]] = [
            ["Status": "FAILED", "Error": "Darkroom.BatchFailed", "Cause": cause],
            [
                "Status": "FAILED", "Error": "States.Timeout", "Cause": "",
                "Input": #"{"Items":[{"Key":"c.jpg"},{"Key":"d.jpg"}]}"#,
            ],
        ]
        var report = AdoptReport()
        try report.add(resultFile: Array(try JSONEncoder().encode(children)))
        #expect(report.failedBatches == 2)
        #expect(report.count(.adopted) == 1 && report.count(.failed) == 3)
        #expect(report.images == ["i1"])
        #expect(report.outcomes.first { $0.key == "d.jpg" }?.error == "States.Timeout")
        #expect(throws: PipelineError.self) { try report.add(resultFile: Array("{}".utf8)) }
    }

    /// The Distributed Map hands an object on as its reader gives it: a listing's item, or an S3
    /// Inventory report's row (every value a string, the key URL-encoded).
    @Test func anItemIsReadFromAListingOrAnInventoryRow() throws {
        let listed =
            #"{"bucket": "photos", "prefix": "shoot/", "run": "r", "listed": {"Key": "shoot/a b.jpg", "Etag": "\"e1\"", "Size": 12, "StorageClass": "STANDARD", "LastModified": "2026-12-01T00:00:00Z"}}"#
        let item = try JSONDecoder().decode(AdoptItem.self, from: Data(listed.utf8))
        #expect(
            item
                == AdoptItem(
                    bucket: "photos", key: "shoot/a b.jpg", etag: "\"e1\"", size: 12, storageClass: "STANDARD",
                    run: "r", prefix: "shoot/"))
        let row =
            #"{"prefix": "shoot/", "run": "r", "inventory": {"Bucket": "photos", "Key": "shoot/Day+1/caf%C3%A9%2B.jpg", "Size": "12", "ETag": "e1", "IsLatest": "true", "IsDeleteMarker": "false"}}"#
        let read = try JSONDecoder().decode(AdoptItem.self, from: Data(row.utf8))
        #expect(
            read.key == "shoot/Day 1/café+.jpg" && read.size == 12 && read.etag == "e1" && read.current
                && read.storageClass == nil)
        let marker =
            #"{"run": "r", "inventory": {"Bucket": "photos", "Key": "x.jpg", "Size": "", "IsDeleteMarker": "true"}}"#
        #expect(try JSONDecoder().decode(AdoptItem.self, from: Data(marker.utf8)).current == false)
        // What the settle function is handed round-trips (a retry's input is its output).
        #expect(try JSONDecoder().decode(AdoptItem.self, from: JSONEncoder().encode(read)) == read)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AdoptItem.self, from: Data(#"{"run": "r", "inventory": {"Key": "x"}}"#.utf8))
        }
    }

    @Test func anInventorysOldVersionsAndObjectsOutsideThePrefixAreSkipped() async throws {
        let setup = try Setup()
        var old = try await setup.listed("shoot/a.jpg", Self.photo)
        old.current = false
        #expect(try await setup.adopt(old).outcome == .skipped)
        var outside = try await setup.listed("other/b.jpg", Self.photo)
        outside.prefix = "shoot/"
        let skipped = try await setup.adopt(outside)
        #expect(skipped.outcome == .skipped && skipped.why == "outside shoot/")
        #expect((try? await setup.objects.head(bucket: "uploads", key: Adoption.copyKey(outside))) == nil)
    }

    @Test func aDryRunsEstimateGrowsWithTheObjectsCopiedAndCountsThePipeline() {
        let million = AdoptCost(objects: 1_000_000, listed: 1_000_000, batchSize: 50)
        let none = AdoptCost(objects: 0, listed: 1_000_000, batchSize: 50)
        let line = { (cost: AdoptCost, what: String) in cost.lines.first { $0.what.contains(what) }?.dollars ?? -1 }
        // What every listed object costs (its step) is paid whether or not it is copied.
        #expect(line(none, "Lambda") == line(million, "Lambda") && line(none, "Lambda") > 0)
        #expect(line(none, "S3") == 0 && line(none, "DynamoDB") == 0 && line(none, "pipeline") == 0)
        #expect(abs(line(million, "pipeline") - 1_000_000 * AdoptCost.pipelinePerImage) < 1e-9)
        // Adopting is a small share of what the pipeline then costs.
        #expect(million.dollars - line(million, "pipeline") < line(million, "pipeline") / 2)
        #expect(AdoptCost(objects: 2_000_000, listed: 2_000_000, batchSize: 50).dollars > 1.99 * million.dollars)
    }
}
