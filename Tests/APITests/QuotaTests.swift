import DarkroomTestSupport
import Foundation
import ImageCore
import LocalFront
import Pipeline
import PixelStages
import Synchronization
import Testing

@testable import API

/// Quotas at `POST /v1/uploads` (docs/api.md, "Quotas"), in memory: the folder ledger, a clock the
/// test moves, and real images through the real stages where an outcome is counted. (The
/// DynamoDB ledger, its races and the stage functions' part are in Tests/EndToEnd/test_quotas.py.)
@Suite struct QuotaTests {
    /// A clock the test sets.
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_796_212_800))  // 2026-12-02T12:00:00Z
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var date: Date { now.withLock { $0 } }
    }

    let out: TemporaryFolder
    let flow: PipelineFlow
    let clock = Clock()

    init() throws {
        _ = try Vips.start()
        out = try TemporaryFolder()
        try FileManager.default.createDirectory(
            atPath: out.path + "/.darkroom/uploads", withIntermediateDirectories: true)
        flow = PipelineFlow.local(
            outputFolder: out.path, variants: VariantSpec.defaults, limits: ImageLimits(), watermark: nil)
    }

    func api(_ quotas: QuotaLimits) throws -> ImageAPI {
        let key = Array("a key of at least thirty-two characters".utf8)
        let signer = LocalSigner(key: key, base: "http://127.0.0.1:9")
        let jobs = try #require(flow.jobs as? LocalJobStore)
        return ImageAPI(
            config: APIConfig(
                uploadsBucket: PipelineFlow.uploadsBucket, derivedBucket: PipelineFlow.outputBucket,
                archiveBucket: PipelineFlow.outputBucket, maxBytes: 10_000_000, uploadExpiry: 600, apiSecret: key,
                operatorSubject: "operator", layout: .local, quotas: quotas),
            catalog: LocalImageCatalog(jobs: jobs, erasedFolder: out.path + "/.darkroom/erased"), objects: flow.objects,
            forms: LocalUploadForms(signer: signer), links: LocalLinks(signer: signer), usage: flow.runner.usage,
            clock: { [clock] in clock.date })
    }

    struct Answer {
        var status: Int
        var json: [String: Any]
        var retryAfter: Int?
    }

    func ask(_ api: ImageAPI, bytes: Int = 1000, as subject: String = "carol") async -> Answer {
        let response = await api.handle(
            APIRequest(
                method: "POST", path: "/v1/uploads",
                body: Array(#"{"filename":"a.jpg","contentType":"image/jpeg","bytes":\#(bytes)}"#.utf8),
                subject: subject))
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
        return Answer(
            status: response.status, json: json, retryAfter: response.headers["Retry-After"].flatMap(Int.init))
    }

    func me(_ api: ImageAPI, as subject: String = "carol") async -> [String: [String: Int]] {
        let response = await api.handle(APIRequest(method: "GET", path: "/v1/me", subject: subject))
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
        return json.compactMapValues { $0 as? [String: Int] }
    }

    @Test func inFlightUploadsAreLeasedUntilTheirFormAndThePipelineCouldBeDone() async throws {
        let api = try api(QuotaLimits(inFlight: 2))
        #expect(await ask(api).status == 201)
        clock.advance(60)
        #expect(await ask(api).status == 201)
        let refused = await ask(api)
        #expect(refused.status == 429 && refused.json["code"] as? String == "quota_exceeded")
        #expect(refused.json["limit"] as? String == "inFlight" && refused.json["used"] as? Int == 2)
        // The first lease lapses at its form's expiry (600 s) plus the allowance (900 s) after it
        // was given, 60 s ago.
        #expect(refused.retryAfter == 600 + 900 - 60 && refused.json["retryAfter"] as? Int == refused.retryAfter)
        #expect(await me(api)["inFlight"] == ["used": 2, "limit": 2])
        // Another owner is not held by carol's uploads.
        #expect(await ask(api, as: "dan").status == 201)
        clock.advance(TimeInterval(refused.retryAfter ?? 0))
        #expect(await ask(api).status == 201)
    }

    @Test func aDayCountsFormsUntilMidnightUTC() async throws {
        let api = try api(QuotaLimits(imagesPerDay: 2))
        #expect(await ask(api).status == 201)
        #expect(await ask(api).status == 201)
        let refused = await ask(api)
        #expect(refused.status == 429 && refused.json["limit"] as? String == "imagesPerDay")
        #expect(refused.retryAfter == 12 * 3_600)
        #expect(await me(api)["imagesToday"] == ["used": 2, "limit": 2])
        clock.advance(12 * 3_600)
        #expect(await ask(api).status == 201)
        #expect(UsageState.dayOf(clock.date.timeIntervalSince1970) == "2026-12-03")
        #expect(UsageState.dayOf(1_835_481_599) == "2028-02-29" && UsageState.dayOf(1_835_481_600) == "2028-03-01")
        #expect(await me(api)["imagesToday"] == ["used": 1, "limit": 2])
    }

    @Test func theRateBucketRefillsAtItsRate() async throws {
        let api = try api(QuotaLimits(uploadsPerMinute: 2))
        #expect(await ask(api).status == 201)
        #expect(await ask(api).status == 201)
        let refused = await ask(api)
        #expect(refused.status == 429 && refused.json["code"] as? String == "rate_limited")
        #expect(refused.retryAfter == 30)
        clock.advance(29)
        #expect(await ask(api).status == 429)
        clock.advance(1)
        #expect(await ask(api).status == 201)
        // A refusal takes nothing from the bucket or the day.
        #expect(await me(api)["imagesToday"]?["used"] == 3)
    }

    @Test func aCompletedUploadKeepsItsBytesUntilItIsErased() async throws {
        let photo = try Array(Data(contentsOf: URL(fileURLWithPath: Paths.fixtures + "/orientation-1.jpg")))
        let api = try api(QuotaLimits(storedBytes: photo.count + 500, inFlight: 1))
        let owner = Owner.id(subject: "carol")
        let created = await ask(api, bytes: photo.count)
        #expect(created.status == 201)
        let uploadId = try #require(created.json["uploadId"] as? String)
        #expect(await ask(api).status == 429)

        let key = Owner.uploadKey(owner: owner, uploadId: uploadId)
        try await flow.objects.put(
            bucket: PipelineFlow.uploadsBucket, key: key, bytes: photo, options: PutOptions(contentType: "image/jpeg"))
        let job = try await flow.run(try await flow.job(bucket: PipelineFlow.uploadsBucket, key: key))
        // Its final status ended the lease and counted the original.
        let usage = await me(api)
        #expect(usage["inFlight"] == ["used": 0, "limit": 1])
        #expect(usage["storedBytes"] == ["used": photo.count, "limit": photo.count + 500])
        let full = await ask(api, bytes: 501)
        #expect(full.status == 429 && full.json["limit"] as? String == "storedBytes" && full.retryAfter == nil)
        #expect(await ask(api, bytes: 500).status == 201)

        let erased = await api.handle(APIRequest(method: "DELETE", path: "/v1/images/\(job.imageId)", subject: "carol"))
        #expect(erased.status == 202)
        #expect(await me(api)["storedBytes"]?["used"] == 0)
    }

    @Test func aFailedOrRefusedUploadEndsItsLeaseAndKeepsNothing() async throws {
        let api = try api(QuotaLimits(inFlight: 1))
        let owner = Owner.id(subject: "carol")
        let uploadId = try #require(await ask(api).json["uploadId"] as? String)
        let key = Owner.uploadKey(owner: owner, uploadId: uploadId)
        try await flow.objects.put(
            bucket: PipelineFlow.uploadsBucket, key: key, bytes: Array("not an image".utf8),
            options: PutOptions(contentType: "image/jpeg"))
        _ = try? await flow.run(try await flow.job(bucket: PipelineFlow.uploadsBucket, key: key))
        let job = try await flow.job(bucket: PipelineFlow.uploadsBucket, key: key)
        #expect(try await flow.jobs.get(job.imageId)?.status == .rejected)
        let usage = await me(api)
        #expect(usage["inFlight"]?["used"] == 0 && usage["storedBytes"]?["used"] == 0)
        #expect(await ask(api).status == 201)
    }

    @Test func unlimitedCountsTheDayAndTheBytesButKeepsNoLeases() async throws {
        let api = try api(.unlimited)
        for _ in 0..<5 { #expect(await ask(api).status == 201) }
        let usage = await me(api)
        #expect(usage["imagesToday"] == ["used": 5] && usage["inFlight"] == [:])
        let state = try await flow.runner.usage?.usage(
            owner: Owner.id(subject: "carol"), limits: .unlimited, now: clock.date.timeIntervalSince1970)
        #expect(state?.leases.isEmpty == true)
    }
}
