import API
import ArgumentParser
import FlyingFox
import Foundation
import ImageCore
import PixelStages
import LocalFront
import Pipeline
import Rendering
import Renditions

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API and the web gallery over a folder that darkroom process wrote.",
        discussion: """
            The same /v1 routes and JSON as the api function, from the same code, over DIR's records \
            and files; the web page at /. Uploads go to DIR/.darkroom/uploads/ through the form the \
            API hands out (pointing at this server) and run through the whole pipeline here. \
            Everything in DIR is the operator's; the caller is the operator. Binds to 127.0.0.1. \
            With --token, or on any other address (a token is then made at start and printed in \
            the address), every API request and upload needs Authorization: Bearer TOKEN, and the \
            page asks for it once.
            """)

    @Argument(help: "The folder darkroom process writes (created if missing).")
    var folder: String = "out"

    @Option(help: "Port (0: any free port; the address is printed).")
    var port: Int = 8080

    @Option(help: "Address to listen on (an IPv4 address; anything but loopback is served with a token).")
    var host: String = "127.0.0.1"

    @Option(
        help:
            "A bearer token every API request and upload must carry (16 characters or more; made at start off loopback)."
    )
    var token: String?

    @Option(
        help: """
            The key rendition URLs are signed with (32 characters or more; default: one made at start). \
            Presets and limits come from the DARKROOM_RENDITION_* variables, as for the render function.
            """)
    var renderKey: String?

    @Option(help: "The web page's folder (default: web/ of the source tree this was built from).")
    var web: String?

    @Option(help: "Variant spec (as DARKROOM_VARIANTS), default: \(VariantSpec.defaultText)")
    var variants: String?

    @Option(help: "Largest upload in bytes.")
    var maxBytes = ImageLimits().maxBytes

    @Option(name: .shortAndLong, help: "Uploads processed at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard token.map({ $0.count >= ServeAccess.shortestToken }) ?? true else {
            throw ValidationError("--token must have \(ServeAccess.shortestToken) characters or more")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard renderKey.map({ $0.utf8.count >= 32 }) ?? true else {
            throw ValidationError("--render-key must have at least 32 characters")
        }
    }

    func run() async throws {
        let specs = try VariantSpec.option(variants)
        let outputFolder = URL(fileURLWithPath: folder).standardizedFileURL.path
        try FileManager.default.createDirectory(
            atPath: outputFolder + "/.darkroom/uploads", withIntermediateDirectories: true)
        let webFolder = web.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Self.sourceWebFolder
        try Vips.start(.imageAfterImage)
        let flow = PipelineFlow.local(
            outputFolder: outputFolder, variants: specs, limits: ImageLimits(maxBytes: maxBytes), watermark: nil)
        guard let jobStore = flow.jobs as? LocalJobStore else { throw ValidationError("no local job store") }

        let address = host == "localhost" ? "127.0.0.1" : host
        let token = try ServeAccess.token(for: address, given: token)
        // The HTTP server on a loopback port of its own; the guard in front of it on the served
        // address, holding every client to a head size, a time and a number of connections.
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
        let running = Task { try await server.run() }
        try await server.waitUntilListening()
        guard case .ip4(_, let upstream)? = await server.listeningAddress else {
            throw ValidationError("the server did not start")
        }
        let front: ConnectionGuard
        do {
            front = try ConnectionGuard(address: address, port: UInt16(port), upstreamPort: upstream)
        } catch let error as ConnectionGuard.ServeError {
            throw ValidationError(error.description)
        }
        let listening = front.port
        let base = "http://\(host):\(listening)"

        let key = Self.randomKey()
        let signer = LocalSigner(key: key, base: base)
        let forms = LocalUploadForms(signer: signer)
        let links = LocalLinks(signer: signer)
        let renditionKeys = try RenditionKeys(current: renderKey.map { Array($0.utf8) } ?? Self.randomKey())
        let policy = try RenditionPolicy.fromEnvironment(ProcessInfo.processInfo.environment)
        let catalog = LocalImageCatalog(jobs: jobStore, erasedFolder: outputFolder + "/.darkroom/erased")
        let render = RenderService(
            policy: policy, keyring: RenditionKeyring(renditionKeys), catalog: catalog, objects: flow.objects,
            specs: specs, limits: ImageLimits(maxBytes: maxBytes), maxSourceBytes: maxBytes,
            log: { printError($0 + "\n") })
        let api = ImageAPI(
            config: APIConfig(
                uploadsBucket: PipelineFlow.uploadsBucket, derivedBucket: PipelineFlow.outputBucket,
                archiveBucket: PipelineFlow.outputBucket, maxBytes: maxBytes, apiSecret: key,
                operatorSubject: LocalServer.subject, layout: .local),
            catalog: catalog, objects: flow.objects, forms: forms, links: links,
            renditions: RenditionLinks(
                base: base + LocalServer.renditionsPrefix, keys: renditionKeys, policy: policy, variants: specs),
            usage: flow.runner.usage, log: { printError($0 + "\n") })
        // The Host a request names must be this server's own address: a page elsewhere whose name
        // was rebound to 127.0.0.1 (DNS rebinding) is refused.
        var hosts: Set = ["\(host):\(listening)", "\(address):\(listening)"]
        if address.hasPrefix("127.") { hosts.formUnion(["localhost:\(listening)", "127.0.0.1:\(listening)"]) }
        let local = LocalServer(
            api: api, flow: flow, forms: forms, links: links, render: render, token: token, webFolder: webFolder,
            queue: UploadQueue(limit: jobs), allowedHosts: hosts, maxUploadBytes: maxBytes)
        await local.install(on: server)
        front.start()
        printOutput(
            "Serving \(outputFolder) at \(base)/\(token == nil ? "" : "#token=\(token ?? "")") (Ctrl-C to stop)\n")
        try await running.value
    }

    static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// `web/` beside `Sources/` in the tree this file was compiled from.
    static var sourceWebFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("web").path
    }
}

/// Uploads processed a few at a time, in the order they came.
actor UploadQueue {
    let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func run(_ work: @Sendable () async -> Void) async {
        if running >= limit { await withCheckedContinuation { waiting.append($0) } } else { running += 1 }
        await work()
        if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
    }
}

/// The routes of `darkroom serve`: the API under /v1 (the same handler code as the api function),
/// the upload form's target, signed file links, and the web page.
struct LocalServer: Sendable {
    /// Who the caller is: the operator, whose images everything in the folder is.
    static let subject = "local"

    let api: ImageAPI
    let flow: PipelineFlow
    let forms: LocalUploadForms
    let links: LocalLinks
    let render: RenderService
    let token: String?
    let webFolder: String
    let queue: UploadQueue
    /// The `Host` values that name this server (`host:port`).
    let allowedHosts: Set<String>
    /// The largest file a form takes; a body past it (and the form's fields) is refused unread.
    let maxUploadBytes: Int

    /// Room for a form's fields and multipart framing beside its file.
    static let formOverhead = 64 * 1024

    func install(on server: HTTPServer) async {
        await server.appendRoute("/v1/*") { request in await self.guarded(request) { await self.api($0) } }
        await server.appendRoute("POST /uploads") { request in await self.guarded(request) { await self.upload($0) } }
        await server.appendRoute("GET,HEAD /files/*") { request in
            await self.guarded(request) { await self.file($0) }
        }
        // Every method, so that a POST is answered 405 by the service, not by the page route.
        await server.appendRoute("/r/*") { request in await self.guarded(request) { await self.rendition($0) } }
        await server.appendRoute("GET,HEAD /*") { request in await self.guarded(request) { self.page($0) } }
    }

    /// Runs `route` for a request that names this server (`Host`) and, when it changes anything
    /// (any method but GET and HEAD), comes from no other origin (`Origin`, which browsers send on
    /// every cross-origin request); the answer carries the security headers.
    func guarded(_ request: HTTPRequest, _ route: (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse {
        let host = request.headers[HTTPHeader("Host")] ?? ""
        guard allowedHosts.contains(host.lowercased()) else {
            var problem = Problem(
                421, "wrong_host", "This server answers only to \(allowedHosts.sorted().joined(separator: " or ")).")
            problem.title = "Misdirected Request"
            return Self.secured(Self.response(problem.response), request)
        }
        if request.method != .GET, request.method != .HEAD, let origin = request.headers[HTTPHeader("Origin")],
            !allowedHosts.contains(where: { origin.lowercased() == "http://\($0)" })
        {
            var problem = Problem(403, "cross_origin", "A request from \(origin) may not change anything here.")
            problem.title = "Forbidden"
            return Self.secured(Self.response(problem.response), request)
        }
        return Self.secured(await route(request), request)
    }

    /// `response` ending its connection: a body left unread is not read for the next request.
    static func closing(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers[HTTPHeader("Connection")] = "close"
        return response
    }

    /// `response` with the security headers the distribution adds (``SecurityHeaders``).
    static func secured(_ response: HTTPResponse, _ request: HTTPRequest) -> HTTPResponse {
        var response = response
        for (name, value) in SecurityHeaders.forPath(request.path) { response.headers[HTTPHeader(name)] = value }
        return response
    }

    /// The refusal of a request without the server's token, when it has one; nil: it may go on.
    func unauthenticated(_ request: HTTPRequest) -> HTTPResponse? {
        guard let token else { return nil }
        let given = request.headers[HTTPHeader("Authorization")] ?? ""
        guard LocalSigner.same(given, "Bearer \(token)") else {
            return Self.closing(
                Self.response(
                    Problem(401, "unauthenticated", "A bearer token is needed (Authorization: Bearer ...).").response))
        }
        return nil
    }

    func api(_ request: HTTPRequest) async -> HTTPResponse {
        if let refusal = unauthenticated(request) { return refusal }
        let body = (try? await request.bodyData).map { [UInt8]($0) } ?? []
        let path = request.path.removingPercentEncoding ?? request.path
        let query = Self.formQuery(request.target.query(percentEncoded: true))
        let answer = await api.handle(
            APIRequest(method: request.method.rawValue, path: path, query: query, body: body, subject: Self.subject))
        return Self.response(answer)
    }

    /// The form's POST: checked as S3 checks a POST policy, written, then run through the pipeline
    /// here (in the background: the status is the upload's to poll).
    func upload(_ request: HTTPRequest) async -> HTTPResponse {
        // The token first: the form's signature alone does not let a page elsewhere post here.
        if let refusal = unauthenticated(request) { return refusal }
        // Judged by its declared length before a byte of the body is read (bodies past 4 KB stay
        // in the socket until asked for): none declared is 411, one past the limit 413 at once.
        guard let declared = request.headers[.contentLength].flatMap(Int.init), declared >= 0 else {
            var problem = Problem(411, "length_required", "An upload needs a Content-Length (no chunked bodies).")
            problem.title = "Length Required"
            return Self.closing(Self.response(problem.response))
        }
        guard declared <= maxUploadBytes + Self.formOverhead else {
            return Self.closing(
                Self.response(
                    Problem(
                        413, "EntityTooLarge", "The upload is \(declared) bytes; at most \(maxUploadBytes) are taken."
                    )
                    .response))
        }
        do {
            let key = try await receive(request)
            let flow = flow
            let queue = queue
            Task.detached {
                await queue.run {
                    guard let job = try? await flow.job(bucket: PipelineFlow.uploadsBucket, key: key) else { return }
                    _ = try? await flow.run(job)  // the record says how it went
                }
            }
            return HTTPResponse(statusCode: .noContent)
        } catch let problem as Problem {
            return Self.response(problem.response)
        } catch {
            return Self.response(Problem(500, "InternalError", "The upload could not be stored: \(error)").response)
        }
    }

    /// The form's file, streamed to disk as it arrives (never held whole): the fields first, each
    /// checked as S3 checks a POST policy before a byte of the file is written, then the file,
    /// held to the policy's sizes as it comes, renamed into place once whole.
    /// - Returns: the key it was written under.
    /// - Throws: `Problem` 400 or 403 with S3's error code.
    func receive(_ request: HTTPRequest) async throws -> String {
        var stream = try MultipartStream(contentType: request.headers[.contentType] ?? "")
        guard let store = flow.objects as? LocalObjectStore else {
            throw Problem(500, "InternalError", "serve writes to a folder")
        }
        var fields: [String: String] = [:]
        var admitted: (key: String, sizes: (lowest: Int, highest: Int))?
        var file: (path: String, handle: FileHandle)?
        var size = 0
        var read = 0
        defer {
            if let file {
                try? file.handle.close()
                try? FileManager.default.removeItem(atPath: file.path)  // a refused upload's partial file
            }
        }
        for try await chunk in request.bodySequence {
            read += chunk.count
            for event in try stream.feed(chunk) {
                switch event {
                case .field(let name, let value):
                    guard read <= Self.formOverhead else {
                        throw Problem(400, "MaxPostPreDataLengthExceeded", "The form's fields are over 64 KB.")
                    }
                    fields[name] = value
                case .fileStarts:
                    let allowed = try forms.admit(bucket: PipelineFlow.uploadsBucket, fields: fields)
                    admitted = (allowed.key, allowed.sizes)
                    let path = try store.temporaryPath(bucket: PipelineFlow.uploadsBucket, key: allowed.key)
                    guard FileManager.default.createFile(atPath: path, contents: nil),
                        let handle = FileHandle(forWritingAtPath: path)
                    else { throw Problem(500, "InternalError", "The upload could not be stored.") }
                    file = (path, handle)
                case .fileBytes(let bytes):
                    size += bytes.count
                    if let admitted, size > admitted.sizes.highest {
                        throw Problem(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
                    }
                    try file?.handle.write(contentsOf: bytes)
                case .fileEnds:
                    break
                }
            }
            if stream.isDone { break }
        }
        guard stream.isDone, let admitted, let written = file else {
            throw Problem(400, "InvalidArgument", "The body is not multipart/form-data with a file.")
        }
        try LocalUploadForms.checkSize(size, lowest: admitted.sizes.lowest, highest: admitted.sizes.highest)
        try written.handle.close()
        file = nil
        try store.adopt(written.path, bucket: PipelineFlow.uploadsBucket, key: admitted.key)
        return admitted.key
    }

    /// A variant, by a link the API signed.
    func file(_ request: HTTPRequest) async -> HTTPResponse {
        let path = request.path.removingPercentEncoding ?? request.path
        let query = Dictionary(request.query.map { ($0.name, $0.value) }) { a, _ in a }
        guard links.verify(path: path, expires: query["expires"], signature: query["signature"]) else {
            return HTTPResponse(statusCode: .forbidden, body: Data("the link is not signed, or has expired".utf8))
        }
        let parts = path.dropFirst("/files/".count).split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == PipelineFlow.outputBucket,
            let bytes = try? await flow.objects.get(bucket: parts[0], key: parts[1])
        else { return HTTPResponse(statusCode: .notFound) }
        return HTTPResponse(
            statusCode: .ok,
            headers: [.contentType: Self.contentType(parts[1]), HTTPHeader("Cache-Control"): "private, max-age=3600"],
            body: Data(bytes))
    }

    /// The web page's files, by name (nothing outside its folder), and its settings.
    func page(_ request: HTTPRequest) -> HTTPResponse {
        let name = request.path == "/" ? "index.html" : String(request.path.dropFirst())
        if name == "config.json" {
            let config = #"{"api":"/v1","auth":"\#(token == nil ? "none" : "token")"}"#
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: Data(config.utf8))
        }
        let allowed = (try? FileManager.default.contentsOfDirectory(atPath: webFolder)) ?? []
        guard allowed.contains(name), let data = FileManager.default.contents(atPath: webFolder + "/" + name) else {
            return HTTPResponse(
                statusCode: .notFound, headers: [.contentType: "text/plain"], body: Data("not found".utf8))
        }
        return HTTPResponse(
            statusCode: .ok, headers: [.contentType: Self.contentType(name), HTTPHeader("Cache-Control"): "no-cache"],
            body: data)
    }

    /// A query string as browsers and HTML forms write it: `+` is a space, `%XX` a byte (the last
    /// of a repeated name wins).
    static func formQuery(_ raw: String) -> [String: String] {
        var query: [String: String] = [:]
        for pair in raw.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacing("+", with: " ").removingPercentEncoding ?? String($0)
            }
            query[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return query
    }

    static func response(_ answer: APIResponse) -> HTTPResponse {
        var headers = HTTPHeaders()
        for (name, value) in answer.headers { headers[HTTPHeader(name)] = value }
        headers[HTTPHeader("Cache-Control")] = "no-store"
        return HTTPResponse(
            statusCode: HTTPStatusCode(answer.status, phrase: Problem.titles[answer.status] ?? "Status"),
            headers: headers,
            body: Data(answer.body))
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "avif": "image/avif"
        case "gif": "image/gif"
        default: "application/octet-stream"
        }
    }
}
