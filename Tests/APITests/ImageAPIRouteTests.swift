import DarkroomTestSupport
import Foundation
import ImageCore
import LocalFront
import Pipeline
import PixelStages
import Renditions
import Testing

@testable import API

/// The routes answering as they should, in memory: real images made by the real stages into a
/// folder, read back through the folder catalog, with darkroom serve's links and forms. (The
/// rejections are in APITests; the same routes against DynamoDB and S3 are in Tests/EndToEnd.)
@Suite struct ImageAPIRouteTests {
    let out: TemporaryFolder
    let flow: PipelineFlow
    let api: ImageAPI

    init() throws {
        _ = try Vips.start()
        out = try TemporaryFolder()
        try FileManager.default.createDirectory(
            atPath: out.path + "/.darkroom/uploads", withIntermediateDirectories: true)
        flow = PipelineFlow.local(
            outputFolder: out.path, variants: VariantSpec.defaults, limits: ImageLimits(), watermark: nil)
        let key = Array("a key of at least thirty-two characters".utf8)
        let signer = LocalSigner(key: key, base: "http://127.0.0.1:9")
        let jobs = try #require(flow.jobs as? LocalJobStore)
        api = ImageAPI(
            config: APIConfig(
                uploadsBucket: PipelineFlow.uploadsBucket, derivedBucket: PipelineFlow.outputBucket,
                archiveBucket: PipelineFlow.outputBucket, maxBytes: 1_000_000, apiSecret: key,
                operatorSubject: "operator",
                layout: .local),
            catalog: LocalImageCatalog(jobs: jobs, erasedFolder: out.path + "/.darkroom/erased"), objects: flow.objects,
            forms: LocalUploadForms(signer: signer), links: LocalLinks(signer: signer))
    }

    /// Two copies of one photo under two names (near-identical: distance 0), and another photo.
    func process() async throws -> (first: String, copy: String, other: String) {
        let copy = out.path + "/copy.jpg"
        try FileManager.default.copyItem(atPath: Paths.fixtures + "/orientation-1.jpg", toPath: copy)
        var ids: [String] = []
        for path in [Paths.fixtures + "/orientation-1.jpg", copy, Paths.fixtures + "/attention.png"] {
            ids.append(try await flow.run(try await flow.job(bucket: PipelineFlow.sourceBucket, key: path)).imageId)
        }
        return (ids[0], ids[1], ids[2])
    }

    func call(
        _ method: String, _ path: String, query: [String: String] = [:], body: String = "",
        as subject: String = "operator"
    )
        async throws -> (status: Int, json: [String: Any])
    {
        let response = await api.handle(
            APIRequest(method: method, path: path, query: query, body: Array(body.utf8), subject: subject))
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
        return (response.status, json)
    }

    @Test func listGetSimilarAndEraseAnswerTheOwner() async throws {
        let (first, copy, other) = try await process()

        let page = try await call("GET", "/v1/images", query: ["limit": "2"])
        #expect(page.status == 200)
        let items = page.json["items"] as? [[String: Any]] ?? []
        #expect(items.count == 2 && page.json["cursor"] is String)
        let rest = try await call(
            "GET", "/v1/images", query: ["limit": "2", "cursor": page.json["cursor"] as? String ?? ""])
        let all = (items + (rest.json["items"] as? [[String: Any]] ?? [])).compactMap { $0["imageId"] as? String }
        #expect(Set(all) == [first, copy, other] && rest.json["cursor"] == nil)

        let image = try await call("GET", "/v1/images/\(first)")
        #expect(image.status == 200 && image.json["status"] as? String == "COMPLETED")
        let variants = image.json["variants"] as? [[String: Any]] ?? []
        #expect(
            variants.count == 6
                && variants.allSatisfy { ($0["url"] as? String)?.hasPrefix("http://127.0.0.1:9/files/") == true })

        let similar = try await call("GET", "/v1/images/\(first)/similar")
        #expect(similar.status == 200)
        let found = (similar.json["items"] as? [[String: Any]] ?? []).compactMap { $0["imageId"] as? String }
        #expect(found.first == copy && !found.contains(first))

        // Another caller sees none of it.
        #expect(try await call("GET", "/v1/images/\(first)", as: "mallory").status == 404)
        #expect((try await call("GET", "/v1/images", as: "mallory").json["items"] as? [Any])?.isEmpty == true)

        let erased = try await call("DELETE", "/v1/images/\(first)")
        #expect(erased.status == 202 && erased.json["status"] as? String == "ERASED")
        #expect(try await call("GET", "/v1/images/\(first)").status == 404)
        #expect(!FileManager.default.fileExists(atPath: out.path + "/\(first)"))
        #expect(try await call("DELETE", "/v1/images/\(first)").status == 202)  // erasing again says the same
        let after = (try await call("GET", "/v1/images/\(copy)/similar").json["items"] as? [[String: Any]] ?? [])
        #expect(!after.contains { $0["imageId"] as? String == first })
    }

    /// A burst of near-identical shots: the nearest `limit` at a time, further pages by a cursor
    /// that only continues the same search, every copy once, nearest first then by id.
    @Test func similarAnswersTheTopKAndPagesThroughACursor() async throws {
        var ids: [String] = []
        for index in 0..<25 {
            let path = out.path + "/burst-\(index).jpg"
            try FileManager.default.copyItem(atPath: Paths.fixtures + "/orientation-1.jpg", toPath: path)
            ids.append(try await flow.run(try await flow.job(bucket: PipelineFlow.sourceBucket, key: path)).imageId)
        }
        let first = ids[0]
        var seen: [(id: String, distance: Int)] = []
        var cursor: String?
        var pages: [Int] = []
        repeat {
            var query = ["limit": "10"]
            if let cursor { query["cursor"] = cursor }
            let page = try await call("GET", "/v1/images/\(first)/similar", query: query)
            #expect(page.status == 200)
            let items = page.json["items"] as? [[String: Any]] ?? []
            pages.append(items.count)
            seen += items.compactMap { item in
                (item["imageId"] as? String).map { ($0, item["distance"] as? Int ?? -1) }
            }
            cursor = page.json["cursor"] as? String
        } while cursor != nil && pages.count < 5
        #expect(pages == [10, 10, 4])
        #expect(Set(seen.map(\.id)) == Set(ids.dropFirst()) && seen.count == 24)
        #expect(
            seen.map { [$0.distance] }
                == seen.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.map { [$0.distance] })
        #expect(seen.map(\.id) == seen.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.map(\.id))
        #expect(try await call("GET", "/v1/images/\(first)/similar").json["items"].map { ($0 as? [Any])?.count } == 20)

        // A cursor continues only its own search; a limit past 100 is refused.
        let page = try await call("GET", "/v1/images/\(first)/similar", query: ["limit": "5"])
        let handed = try #require(page.json["cursor"] as? String)
        let other = try await call("GET", "/v1/images/\(ids[1])/similar", query: ["cursor": handed])
        #expect(other.status == 400 && other.json["code"] as? String == "bad_cursor")
        let narrower = try await call(
            "GET", "/v1/images/\(first)/similar", query: ["cursor": handed, "maxDistance": "3"])
        #expect(narrower.status == 400)
        let tooMany = try await call("GET", "/v1/images/\(first)/similar", query: ["limit": "101"])
        #expect(tooMany.status == 400 && tooMany.json["code"] as? String == "bad_limit")
    }

    @Test func anUploadIsWaitingThenUploadedThenItsImage() async throws {
        let created = try await call(
            "POST", "/v1/uploads", body: #"{"filename":"a.jpg","contentType":"image/jpeg","bytes":1000}"#)
        #expect(created.status == 201)
        let uploadId = try #require(created.json["uploadId"] as? String)
        let waiting = try await call("GET", "/v1/uploads/\(uploadId)")
        #expect(waiting.status == 200 && waiting.json["status"] as? String == "WAITING")
        #expect(try await call("GET", "/v1/uploads/\(uploadId)", as: "mallory").status == 404)

        let key = Owner.uploadKey(owner: Owner.operatorId, uploadId: uploadId)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Paths.fixtures + "/orientation-1.jpg")))
        try await flow.objects.put(
            bucket: PipelineFlow.uploadsBucket, key: key, bytes: bytes, options: PutOptions(contentType: "image/jpeg"))
        let uploaded = try await call("GET", "/v1/uploads/\(uploadId)")
        #expect(uploaded.status == 200 && uploaded.json["status"] as? String == "UPLOADED")

        let job = try await flow.run(try await flow.job(bucket: PipelineFlow.uploadsBucket, key: key))
        let done = try await call("GET", "/v1/uploads/\(uploadId)")
        #expect(
            done.status == 303 && done.json["imageId"] as? String == job.imageId
                && done.json["status"] as? String == "COMPLETED")
    }

    @Test func renditionsAreSignedForTheOwnerOnly() async throws {
        let (first, _, _) = try await process()
        let keys = try RenditionKeys(current: Array("the rendition key, thirty-two bytes at least".utf8))
        var withRenditions = api
        withRenditions.renditions = RenditionLinks(
            base: "https://cdn.example/r/", keys: keys, policy: RenditionPolicy())
        func call(_ method: String, _ path: String, body: String = "", as subject: String = "operator") async
            -> (status: Int, json: [String: Any], text: String)
        {
            let response = await withRenditions.handle(
                APIRequest(method: method, path: path, body: Array(body.utf8), subject: subject))
            let json = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
            return (response.status, json, String(decoding: response.body, as: UTF8.self))
        }
        func verified(_ url: String?) throws -> RenditionSpec {
            let url = try #require(url)
            #expect(url.hasPrefix("https://cdn.example/r/"))
            let verified = try RenditionPath.verify(
                String(url.dropFirst("https://cdn.example/r".count)), keys: keys, policy: RenditionPolicy())
            #expect(verified.imageId == first)
            return verified.spec
        }

        let image = await call("GET", "/v1/images/\(first)")
        let renditions = try #require(image.json["renditions"] as? [String: [String: Any]])
        #expect(Set(renditions.keys) == Set(RenditionPolicy.defaultPresets.map(\.name)))
        let w320 = try #require(renditions["w320"])
        #expect(try verified(w320["url"] as? String).width == 320)
        #expect(w320["width"] as? Int == min(320, image.json["width"] as? Int ?? 0))
        #expect(!image.text.contains("thirty-two bytes"))
        let listed = await call("GET", "/v1/images")
        #expect((listed.json["items"] as? [[String: Any]])?.allSatisfy { $0["renditions"] != nil } == true)

        let asked = await call(
            "POST", "/v1/images/\(first)/renditions",
            body: #"{"width":30,"height":20,"fit":"cover","format":"webp","quality":70}"#)
        #expect(asked.status == 201)
        let spec = try verified(asked.json["url"] as? String)
        #expect(spec == RenditionSpec(fit: .cover, width: 30, height: 20, quality: 70, format: .fixed(.webp)))
        #expect(asked.json["width"] as? Int == 30 && asked.json["height"] as? Int == 20)

        #expect(
            await call("POST", "/v1/images/\(first)/renditions", body: #"{"width":30}"#, as: "mallory").status == 404)
        for (body, code) in [
            (#"{"width":9999}"#, "out_of_policy"), (#"{"size":3}"#, "bad_rendition"),
            (#"{"fit":"crop"}"#, "bad_rendition"),
            (#"{"format":"gif"}"#, "bad_rendition"), (#"{"preset":"nope"}"#, "unknown_preset"),
            ("not json", "bad_rendition"),
        ] {
            let refused = await call("POST", "/v1/images/\(first)/renditions", body: body)
            #expect(refused.status == 400 && refused.json["code"] as? String == code, "\(body)")
        }
        withRenditions.renditions?.policy.presetsOnly = true
        let free = await call("POST", "/v1/images/\(first)/renditions", body: #"{"width":30}"#)
        #expect(free.status == 400 && free.json["code"] as? String == "presets_only")
        // The variant set's version is in every URL: another set, other URLs (and cache entries).
        let sixOf = RenditionLinks(
            base: "https://cdn.example/r", keys: keys, policy: RenditionPolicy(), variants: VariantSpec.defaults)
        let oneOf = RenditionLinks(
            base: "https://cdn.example/r", keys: keys, policy: RenditionPolicy(), variants: [VariantSpec.defaults[0]])
        let six = sixOf.url(RenditionOptions(preset: "w320"), imageId: first)
        #expect(six.contains("/pr:w320/v:\(RenditionLinks.version(VariantSpec.defaults))/"))
        #expect(six != oneOf.url(RenditionOptions(preset: "w320"), imageId: first))
        #expect(RenditionLinks.version(VariantSpec.defaults) != RenditionLinks.version([VariantSpec.defaults[0]]))
        let preset = await call("POST", "/v1/images/\(first)/renditions", body: #"{"preset":"card"}"#)
        #expect(preset.status == 201)
        #expect(try verified(preset.json["url"] as? String).fit == .cover)
    }
}
