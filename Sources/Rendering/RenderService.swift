#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
public import Pipeline
public import Renditions
public import ImageCore
import MediaTypes

/// A rendition request as the function URL (or `darkroom serve`) hands it over.
public struct RenderRequest: Sendable {
    public var method: String
    /// The path below the renditions' base: `/{imageId}/{signature}/{options}/{imageId}[.{ext}]`.
    public var path: String
    public var accept: String?

    public init(method: String, path: String, accept: String? = nil) {
        self.method = method
        self.path = path
        self.accept = accept
    }
}

/// The answer: an image, or a problem document.
public struct RenderResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Renditions as a plain function of a request (docs/renditions.md): the signature checked, the
/// options resolved under the policy, the image looked up (COMPLETED only, so renditions inherit
/// moderation), the smallest adequate source read, the rendition made and answered with its
/// caching headers. The render function and `darkroom serve` both call it.
public struct RenderService: Sendable {
    public var policy: RenditionPolicy
    public var keyring: RenditionKeyring
    public var catalog: any ImageCatalog
    public var objects: any ObjectStore
    /// The variant set the stored variants were made by.
    public var specs: [VariantSpec]
    /// Whether a watermark is configured (watermarked variants are then no source).
    public var watermarked: Bool
    public var limits: ImageLimits
    /// The most bytes an original may have (the pipeline's input limit).
    public var maxSourceBytes: Int
    /// The largest rendition answered: a buffered function URL response carries 6 MB, base64
    /// included, so 4.4 MB of image; past it, 413 (docs/renditions.md, "Limits").
    public var maxResponseBytes: Int
    /// Where failures are told (the function's log).
    public var log: @Sendable (String) -> Void

    public init(
        policy: RenditionPolicy, keyring: RenditionKeyring, catalog: any ImageCatalog, objects: any ObjectStore,
        specs: [VariantSpec], watermarked: Bool = false, limits: ImageLimits, maxSourceBytes: Int,
        maxResponseBytes: Int = 4_400_000, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.policy = policy
        self.keyring = keyring
        self.catalog = catalog
        self.objects = objects
        self.specs = specs
        self.watermarked = watermarked
        self.limits = limits
        self.maxSourceBytes = maxSourceBytes
        self.maxResponseBytes = maxResponseBytes
        self.log = log
    }

    /// A year at the edge and in the browser: the path names the image's bytes and the rendition,
    /// so what it answers never changes.
    public static let cacheForever = "public, max-age=31536000, s-maxage=31536000, immutable"
    /// Refusals are kept a short while (CloudFront's error caching says the same): an image that
    /// is not COMPLETED yet may be soon.
    public static let cacheRefusal = "public, max-age=10, s-maxage=10"

    /// The answer to `request`: never a thrown error.
    public func handle(_ request: RenderRequest) async -> RenderResponse {
        do {
            guard request.method == "GET" || request.method == "HEAD" else {
                throw RenditionError(.methodNotAllowed, "renditions answer GET and HEAD, not \(request.method)")
            }
            var response = try await render(request)
            if request.method == "HEAD" { response.body = [] }
            return response
        } catch let error as RenditionError {
            return Self.problem(error)
        } catch let error as PipelineError where error.code == .notFound {
            // A stored object the record names is gone (erased between the lookup and the read):
            // nothing to render.
            log("rendition \(request.path): \(error)")
            return Self.problem(RenditionError(.notFound, "there is no such image to render"))
        } catch {
            log("rendition \(request.path) failed: \(error)")
            var response = Self.problem(
                RenditionError(.unavailable, "the rendition could not be made; try again shortly"))
            response.headers["Cache-Control"] = "no-store"
            return response
        }
    }

    func render(_ request: RenderRequest) async throws -> RenderResponse {
        let (imageId, spec) = try await verify(request.path)
        guard let record = try await catalog.record(imageId), record.status == .completed,
            let metadata = record.job?.metadata
        else { throw RenditionError(.notFound, "there is no completed image \(imageId)") }
        let original = (metadata.width, metadata.height)
        let resize = spec.resizeRequest
        let size = Renderer.outputSize(resize, original: original)
        let format = try spec.outputFormat(
            accept: request.accept, hasAlpha: metadata.hasAlpha, policy: policy, pixels: size.width * size.height)
        let bytes: [UInt8]
        var readLimits = limits
        switch RenditionSource.choose(for: resize, record: record, specs: specs, watermarked: watermarked) {
        case .variant(let variant):
            bytes = try await objects.get(
                bucket: variant.bucket, key: variant.key, version: nil, maxBytes: max(variant.bytes, 1) * 2)
            // Our own output, of an original that passed the limits: a 100:1 original's variant may
            // round to more than 100:1.
            readLimits.maxAspectRatio = Int(Int32.max)
        case .original(let source):
            bytes = try await pinnedOriginal(source, archive: record.job?.archive)
        }
        // A stored object that does not decode is the store's fault, not the caller's: it goes to the
        // log and the caller gets a 503 (below).
        let output = try Renderer.render(
            ImageSource(bytes), original: original, request: resize, format: format, quality: spec.quality,
            limits: readLimits)
        guard output.bytes.count <= maxResponseBytes else {
            throw RenditionError(
                .tooLarge,
                "the rendition has \(output.bytes.count) bytes, more than the \(maxResponseBytes) a response carries;"
                    + " ask for a smaller size or a lossy format")
        }
        var headers = [
            "Content-Type": format.contentType, "Cache-Control": Self.cacheForever,
            "X-Content-Type-Options": "nosniff", "Content-Length": String(output.bytes.count),
        ]
        if spec.format == .auto { headers["Vary"] = "Accept" }
        return RenderResponse(status: 200, headers: headers, body: output.bytes)
    }

    /// The pinned original, by its known version and size: the upload's checked version while
    /// uploads/ keeps it, then the archived copy of those bytes (the archive's first key).
    private func pinnedOriginal(_ source: SourceObject, archive: ArchiveRecord?) async throws -> [UInt8] {
        // No more than validate counted (nor than the input limit): other bytes are not the image.
        let size = source.size > 0 ? min(source.size, maxSourceBytes) : maxSourceBytes
        do {
            return try await objects.get(source, maxBytes: size)
        } catch let error as PipelineError where error.code == .notFound || error.cause == "source_changed" {
            guard let archive, let key = archive.keys.first else { throw error }
            return try await objects.get(bucket: archive.bucket, key: key, version: nil, maxBytes: size)
        }
    }

    /// The URL checked under the keys held; on a signature that matches neither, once more under
    /// the keys read again (a rotation this process has not seen yet).
    private func verify(_ path: String) async throws -> (imageId: String, spec: RenditionSpec) {
        do {
            return try RenditionPath.verify(path, keys: await keyring.current, policy: policy)
        } catch let error as RenditionError where error.code == .badSignature {
            guard let fresh = await keyring.reread() else { throw error }
            return try RenditionPath.verify(path, keys: fresh, policy: policy)
        }
    }

    /// A problem document (application/problem+json), as the API writes them.
    public static func problem(_ error: RenditionError) -> RenderResponse {
        let status = error.code.status
        let document = ProblemDocument(
            type: "urn:darkroom:problem:\(error.code.rawValue)", status: status, code: error.code.rawValue,
            title: titles[status] ?? "Error", detail: error.message)
        let text = (try? JSONEncoder().encode(document)).map { Array($0) } ?? Array("{}".utf8)
        return RenderResponse(
            status: status,
            headers: [
                "Content-Type": "application/problem+json", "Cache-Control": cacheRefusal,
                "X-Content-Type-Options": "nosniff",
            ], body: text)
    }

    private struct ProblemDocument: Encodable {
        var type: String
        var status: Int
        var code: String
        var title: String
        var detail: String
    }

    public static let titles = [
        200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
        413: "Content Too Large", 503: "Service Unavailable",
    ]
}
