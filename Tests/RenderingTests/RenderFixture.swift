import DarkroomTestSupport
import Foundation
import MediaTypes
import Pipeline
import PixelStages
import Rendering
import Renditions
import Synchronization
import Testing

@testable import ImageCore

/// An object store that notes every key read, over the real folder store: which source a render
/// read is the thing under test.
final class ReadLog: ObjectStore, @unchecked Sendable {
    let store: any ObjectStore
    private let keys = Mutex<[String]>([])

    init(_ store: any ObjectStore) { self.store = store }

    var read: [String] { keys.withLock { $0 } }
    func clear() { keys.withLock { $0 = [] } }

    func head(bucket: String, key: String) async throws -> ObjectInfo { try await store.head(bucket: bucket, key: key) }
    func get(bucket: String, key: String, version: ObjectVersion?, maxBytes: Int?) async throws -> [UInt8] {
        keys.withLock { $0.append(key) }
        return try await store.get(bucket: bucket, key: key, version: version, maxBytes: maxBytes)
    }
    func put(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws {
        try await store.put(bucket: bucket, key: key, bytes: bytes, options: options)
    }
    func copy(
        fromBucket: String, fromKey: String, version: ObjectVersion?, toBucket: String, toKey: String,
        replacing: PutOptions?
    ) async throws {
        try await store.copy(
            fromBucket: fromBucket, fromKey: fromKey, version: version, toBucket: toBucket, toKey: toKey,
            replacing: replacing)
    }
    func list(bucket: String, prefix: String) async throws -> [ObjectInfo] {
        try await store.list(bucket: bucket, prefix: prefix)
    }
    func delete(bucket: String, key: String, versionId: String?) async throws {
        try await store.delete(bucket: bucket, key: key, versionId: versionId)
    }
    func eraseAll(bucket: String, key: String, isPrefix: Bool) async throws -> Int {
        try await store.eraseAll(bucket: bucket, key: key, isPrefix: isPrefix)
    }
}

/// Real images through the real stages into a folder, and the render service over that folder.
struct RenderFixture {
    let out: TemporaryFolder
    let flow: PipelineFlow
    let catalog: LocalImageCatalog
    let reads: ReadLog
    let keys: RenditionKeys
    let service: RenderService

    static let key = Array("a rendition key of at least thirty-two bytes".utf8)

    init(policy: RenditionPolicy = RenditionPolicy(), maxResponseBytes: Int = 4_400_000) throws {
        _ = try Vips.start()
        out = try TemporaryFolder()
        flow = PipelineFlow.local(
            outputFolder: out.path, variants: VariantSpec.defaults, limits: ImageLimits(), watermark: nil)
        let jobs = try #require(flow.jobs as? LocalJobStore)
        catalog = LocalImageCatalog(jobs: jobs, erasedFolder: out.path + "/.darkroom/erased")
        reads = ReadLog(flow.objects)
        keys = try RenditionKeys(current: Self.key)
        service = RenderService(
            policy: policy, keyring: RenditionKeyring(keys), catalog: catalog, objects: reads,
            specs: VariantSpec.defaults, limits: ImageLimits(), maxSourceBytes: 50_000_000,
            maxResponseBytes: maxResponseBytes)
    }

    /// A JPEG (or PNG with alpha) of this size written into the folder and run through the pipeline.
    func process(width: Int, height: Int, alpha: Bool = false) async throws -> JobRecord {
        var image = try Operation("black").set("width", width).set("height", height).set("bands", alpha ? 4 : 3).run()
        // Something other than flat black, so that every encoder has work to do.
        image = try Operation("linear").set("in", image).set("a", alpha ? "1 1 1 1" : "1 1 1")
            .set("b", alpha ? "40 90 160 128" : "40 90 160").run()
        image = try Operation("copy").set("in", try image.cast(toUchar: true)).set("interpretation", "srgb").run()
        let path = out.path + "/\(width)x\(height)\(alpha ? "a" : "").\(alpha ? "png" : "jpg")"
        try Data(try image.encoded(as: alpha ? .png : .jpeg)).write(to: URL(fileURLWithPath: path))
        return try await process(path)
    }

    /// Whatever the outcome (a rejection is a record too).
    func process(_ path: String) async throws -> JobRecord {
        let job = try await flow.job(bucket: PipelineFlow.sourceBucket, key: path)
        _ = try? await flow.run(job)
        return try #require(try await catalog.record(job.imageId))
    }

    func path(_ options: RenditionOptions, _ imageId: String, ext: String? = nil, keys: RenditionKeys? = nil) -> String
    {
        RenditionPath.build(options: options, imageId: imageId, ext: ext, keys: keys ?? self.keys)
    }

    func get(_ path: String, accept: String? = nil) async -> RenderResponse {
        await service.handle(RenderRequest(method: "GET", path: path, accept: accept))
    }

    /// The size of an encoded image, read back by libvips.
    static func size(_ bytes: [UInt8]) throws -> (width: Int, height: Int, format: ImageFormat) {
        let header = try ImageHeader.read(ImageSource(bytes), limits: ImageLimits(maxAspectRatio: 100_000))
        return (header.width, header.height, header.format)
    }

    static func code(_ response: RenderResponse) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["code"] as? String
    }
}
