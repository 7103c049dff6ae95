public import Pipeline
import Renditions
#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The routes under `/v1` (docs/api.md), as plain functions of a request. Every route is scoped to
/// the caller: another owner's image is answered exactly as a missing one (404).
public struct ImageAPI: Sendable {
    public var config: APIConfig
    public var catalog: any ImageCatalog
    public var objects: any ObjectStore
    public var forms: any UploadForms
    public var links: any VariantLinks
    /// The rendition URLs it signs (docs/renditions.md); nil: none are offered.
    public var renditions: RenditionLinks?
    /// Where owners' counters are kept, against ``APIConfig/quotas``; nil: uploads are not counted.
    public var usage: (any UsageLedger)?
    /// The CDN whose copies an erase invalidates; nil: there is none.
    public var edge: (any EdgeCache)?
    public var clock: @Sendable () -> Date
    /// Where unexpected failures are told (the function's log); callers see only a code.
    public var log: @Sendable (String) -> Void

    public init(
        config: APIConfig, catalog: any ImageCatalog, objects: any ObjectStore, forms: any UploadForms,
        links: any VariantLinks, renditions: RenditionLinks? = nil, usage: (any UsageLedger)? = nil,
        edge: (any EdgeCache)? = nil, clock: @escaping @Sendable () -> Date = { Date() },
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.config = config
        self.catalog = catalog
        self.objects = objects
        self.forms = forms
        self.links = links
        self.renditions = renditions
        self.usage = usage
        self.edge = edge
        self.clock = clock
        self.log = log
    }

    /// The answer to `request`: never a thrown error; bad input is a 4xx problem document, a
    /// failing backend a 503.
    public func handle(_ request: APIRequest) async -> APIResponse {
        do {
            return try await route(request)
        } catch let problem as Problem {
            return problem.response
        } catch {
            log("\(request.method) \(request.path) failed: \(error)")
            return Problem(503, "backend_unavailable", "The image store did not answer; try again shortly.").response
        }
    }

    func route(_ request: APIRequest) async throws -> APIResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard parts.first == "v1" else {
            throw Problem(404, "no_route", "There is nothing at \(request.path); the API is under /v1.")
        }
        let context = try authenticate(request)
        guard let route = Route(Array(parts.dropFirst())) else {
            throw Problem(404, "no_route", "There is nothing at \(request.path).")
        }
        // Signing a form or a link may need fresh credentials: fetched here, off the cooperative
        // pool, never inside the synchronous signing.
        switch (request.method, route) {
        case ("POST", .uploads): try await forms.prepare()
        case ("GET", _): try await links.prepare()
        default: break
        }
        switch (request.method, route) {
        case ("POST", .uploads): return try await createUpload(context)
        case ("GET", .upload(let id)): return try await upload(id, context)
        case ("GET", .images): return try await list(context)
        case ("GET", .image(let id)): return try await image(id, context)
        case ("DELETE", .image(let id)): return try await erase(id, context)
        case ("GET", .similar(let id)): return try await similar(id, context)
        case ("POST", .renditions(let id)): return try await createRendition(id, context)
        case ("GET", .me): return try await me(context)
        default: throw Problem(405, "method_not_allowed", "\(request.method) is not allowed on \(request.path).")
        }
    }

    /// The resources under `/v1`.
    enum Route {
        case uploads, upload(String), images, image(String), similar(String), renditions(String), me

        init?(_ segments: [String]) {
            switch (segments.count, segments.first) {
            case (1, "uploads"): self = .uploads
            case (1, "images"): self = .images
            case (1, "me"): self = .me
            case (2, "uploads"): self = .upload(segments[1])
            case (2, "images"): self = .image(segments[1])
            case (3, "images") where segments[2] == "similar": self = .similar(segments[1])
            case (3, "images") where segments[2] == "renditions": self = .renditions(segments[1])
            default: return nil
            }
        }
    }
}
