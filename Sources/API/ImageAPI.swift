public import Pipeline
import AWSClient
#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
import Signing

/// What the API needs to know beyond its stores.
public struct APIConfig: Sendable {
    public var uploadsBucket: String
    public var derivedBucket: String
    public var archiveBucket: String
    /// The largest upload a form accepts.
    public var maxBytes: Int
    /// How long an upload form is good for, in seconds (at most 15 minutes).
    public var uploadExpiry: Int
    /// The HMAC key that seals list cursors.
    public var cursorKey: [UInt8]
    /// The token subject that sees the uploads written to the bucket directly; nil: no one.
    public var operatorSubject: String?
    public var layout: StorageLayout

    public init(
        uploadsBucket: String, derivedBucket: String, archiveBucket: String, maxBytes: Int, uploadExpiry: Int = 900,
        cursorKey: [UInt8], operatorSubject: String?, layout: StorageLayout = .aws
    ) {
        self.uploadsBucket = uploadsBucket
        self.derivedBucket = derivedBucket
        self.archiveBucket = archiveBucket
        self.maxBytes = maxBytes
        self.uploadExpiry = min(max(uploadExpiry, 60), 900)
        self.cursorKey = cursorKey
        self.operatorSubject = operatorSubject
        self.layout = layout
    }

    /// The content types a form may declare: the formats validate accepts.
    public static let acceptedTypes: Set<String> = [
        "image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif", "image/avif", "image/tiff",
    ]
}

/// The routes under `/v1` (docs/api.md), as plain functions of a request. Every route is scoped to
/// the caller: another owner's image is answered exactly as a missing one (404).
public struct ImageAPI: Sendable {
    public var config: APIConfig
    public var catalog: any ImageCatalog
    public var objects: any ObjectStore
    public var forms: any UploadForms
    public var links: any VariantLinks
    public var clock: @Sendable () -> Date
    /// Where unexpected failures are told (the function's log); callers see only a code.
    public var log: @Sendable (String) -> Void

    public init(
        config: APIConfig, catalog: any ImageCatalog, objects: any ObjectStore, forms: any UploadForms,
        links: any VariantLinks,
        clock: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.config = config
        self.catalog = catalog
        self.objects = objects
        self.forms = forms
        self.links = links
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
        let owner = try caller(request)
        guard let route = Route(Array(parts.dropFirst())) else {
            throw Problem(404, "no_route", "There is nothing at \(request.path).")
        }
        switch (request.method, route) {
        case ("POST", .uploads): return try await createUpload(request, owner: owner)
        case ("GET", .upload(let id)): return try await upload(id, owner: owner)
        case ("GET", .images): return try await list(request, owner: owner)
        case ("GET", .image(let id)): return try await image(id, owner: owner)
        case ("DELETE", .image(let id)): return try await erase(id, owner: owner)
        case ("GET", .similar(let id)): return try await similar(id, request, owner: owner)
        default: throw Problem(405, "method_not_allowed", "\(request.method) is not allowed on \(request.path).")
        }
    }

    /// The resources under `/v1`.
    enum Route {
        case uploads, upload(String), images, image(String), similar(String)

        init?(_ segments: [String]) {
            switch (segments.count, segments.first) {
            case (1, "uploads"): self = .uploads
            case (1, "images"): self = .images
            case (2, "uploads"): self = .upload(segments[1])
            case (2, "images"): self = .image(segments[1])
            case (3, "images") where segments[2] == "similar": self = .similar(segments[1])
            default: return nil
            }
        }
    }

    /// The owner the caller's token speaks for.
    func caller(_ request: APIRequest) throws -> String {
        guard let subject = request.subject, !subject.isEmpty else {
            throw Problem(401, "unauthenticated", "A bearer token is needed (Authorization: Bearer ...).")
        }
        return subject == config.operatorSubject ? Owner.operatorId : Owner.id(subject: subject)
    }

    // MARK: Uploads

    struct NewUpload: Decodable {
        var filename: String
        var contentType: String
        var bytes: Int
        var sha256: String?
    }

    func createUpload(_ request: APIRequest, owner: String) async throws -> APIResponse {
        let upload: NewUpload
        do {
            upload = try JSONDecoder().decode(NewUpload.self, from: Data(request.body))
        } catch let error as DecodingError {
            throw Problem(
                400, "bad_json",
                "The body must be a JSON object {filename, contentType, bytes, sha256?}: \(Self.describe(error))")
        }
        guard !upload.filename.isEmpty, upload.filename.utf8.count <= 255,
            !upload.filename.contains(where: { $0.isNewline || $0 == "\0" })
        else { throw Problem(400, "bad_filename", "filename must be 1 to 255 bytes on one line.") }
        let contentType = upload.contentType.lowercased()
        guard APIConfig.acceptedTypes.contains(contentType) else {
            throw Problem(
                415, "unsupported_type",
                "\(upload.contentType) is not an image type Darkroom accepts (\(APIConfig.acceptedTypes.sorted().joined(separator: ", ")))."
            )
        }
        guard upload.bytes > 0 else { throw Problem(400, "bad_size", "bytes must be the file's size, at least 1.") }
        guard upload.bytes <= config.maxBytes else {
            throw Problem(413, "too_large", "\(upload.bytes) bytes is over the limit of \(config.maxBytes) bytes.")
        }
        if let sha256 = upload.sha256 {
            guard sha256.utf8.count == 64, sha256.allSatisfy(\.isHexDigit) else {
                throw Problem(400, "bad_sha256", "sha256 must be 64 hex digits (the SHA-256 of the file).")
            }
            if let existing = try await catalog.completed(owner: owner, sha256: sha256.lowercased()) {
                return .json(
                    200, Duplicate(imageId: existing.imageId, status: existing.status.rawValue, duplicate: true),
                    headers: ["Location": "/v1/images/\(existing.imageId)"])
            }
        }
        let expires = clock().addingTimeInterval(TimeInterval(config.uploadExpiry))
        let uploadId = UploadID(key: config.cursorKey).make(owner: owner, expiresAt: expires)
        let form = try forms.form(
            bucket: config.uploadsBucket, key: Owner.uploadKey(owner: owner, uploadId: uploadId),
            contentType: contentType,
            sizes: 1...upload.bytes, metadata: [("owner", owner), ("upload-id", uploadId)], expires: config.uploadExpiry
        )
        return .json(
            201, NewUploadView(uploadId: uploadId, expiresAt: Timestamp.string(form.expiresAt), post: form),
            headers: ["Location": "/v1/uploads/\(uploadId)"])
    }

    struct Duplicate: Encodable {
        var imageId: String
        var status: String
        var duplicate: Bool
    }

    struct NewUploadView: Encodable {
        var uploadId: String
        var expiresAt: String
        var post: UploadForm
    }

    struct UploadStatus: Encodable {
        var uploadId: String
        var status: String
        var imageId: String?
    }

    func upload(_ uploadId: String, owner: String) async throws -> APIResponse {
        guard let expires = UploadID(key: config.cursorKey).expiry(uploadId, owner: owner) else {
            throw Problem(404, "no_upload", "There is no upload \(uploadId).")
        }
        if let record = try await catalog.upload(owner: owner, uploadId: uploadId) {
            let view = UploadStatus(uploadId: uploadId, status: record.status.rawValue, imageId: record.imageId)
            return record.status.isFinal
                ? .json(303, view, headers: ["Location": "/v1/images/\(record.imageId)"]) : .json(200, view)
        }
        // No record yet: the file is on its way in, or arrived and waits for the pipeline.
        do {
            _ = try await objects.head(
                bucket: config.uploadsBucket, key: Owner.uploadKey(owner: owner, uploadId: uploadId))
            return .json(200, UploadStatus(uploadId: uploadId, status: "UPLOADED"))
        } catch let error as PipelineError where error.code == .notFound {
            guard clock() <= expires else {
                throw Problem(
                    410, "upload_expired",
                    "Upload \(uploadId) was never sent and its form has expired; ask for a new one.")
            }
            return .json(200, UploadStatus(uploadId: uploadId, status: "WAITING"))
        }
    }

    // MARK: Images

    func owned(_ imageId: String, owner: String) async throws -> JobRecord {
        guard Self.isImageId(imageId), let record = try await catalog.record(imageId), record.owner == owner else {
            throw Problem(404, "no_image", "There is no image \(imageId).")
        }
        return record
    }

    func image(_ imageId: String, owner: String) async throws -> APIResponse {
        .json(
            200,
            try ImageView(
                try await owned(imageId, owner: owner), links: links, derivedBucket: config.derivedBucket, full: true))
    }

    struct Page: Encodable {
        var items: [ImageView]
        var cursor: String?
    }

    func list(_ request: APIRequest, owner: String) async throws -> APIResponse {
        let known: Set = ["status", "from", "to", "camera", "limit", "cursor"]
        if let unknown = request.query.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(
                400, "bad_parameter", "\(unknown) is not a filter; use status, from, to, camera, limit, cursor.")
        }
        var query = ImageListQuery(owner: owner, limit: 20)
        if let text = request.query["limit"] {
            guard let limit = Int(text), (1...100).contains(limit) else {
                throw Problem(400, "bad_limit", "limit must be 1 to 100.")
            }
            query.limit = limit
        }
        if let text = request.query["status"] {
            guard let status = JobStatus(rawValue: text.uppercased()) else {
                throw Problem(
                    400, "bad_status",
                    "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.status = status
        }
        if let camera = request.query["camera"] {
            guard !camera.isEmpty, camera.count <= 100 else {
                throw Problem(400, "bad_camera", "camera must be 1 to 100 characters.")
            }
            query.camera = camera
        }
        query.from = try request.query["from"].map { try Self.time($0, endOfDay: false, name: "from") }
        query.to = try request.query["to"].map { try Self.time($0, endOfDay: true, name: "to") }
        if let from = query.from, let to = query.to, from > to { throw Problem(400, "bad_date", "from is after to.") }
        let seal = CursorSeal(key: config.cursorKey)
        let filters = [query.status?.rawValue, query.camera?.lowercased(), query.from, query.to].map { $0 ?? "" }
            .joined(separator: "\n")
        if let cursor = request.query["cursor"] { query.after = try seal.open(cursor, owner: owner, filters: filters) }
        let page = try await catalog.list(query)
        let items = try page.records.map {
            try ImageView($0, links: links, derivedBucket: config.derivedBucket, full: false)
        }
        return .json(200, Page(items: items, cursor: page.next.map { seal.seal($0, owner: owner, filters: filters) }))
    }

    struct SimilarPage: Encodable {
        var imageId: String
        var maxDistance: Int
        var items: [ImageView]
    }

    func similar(_ imageId: String, _ request: APIRequest, owner: String) async throws -> APIResponse {
        var maxDistance = PerceptualBands.maxDistance
        if let text = request.query["maxDistance"] {
            guard let distance = Int(text), (0...PerceptualBands.maxDistance).contains(distance) else {
                throw Problem(
                    400, "bad_distance",
                    "maxDistance must be 0 to \(PerceptualBands.maxDistance) (bits of the 64-bit hash).")
            }
            maxDistance = distance
        }
        let record = try await owned(imageId, owner: owner)
        guard record.status == .completed, let phash = record.job?.metadata.flatMap({ PerceptualBands.value($0.phash) })
        else {
            throw Problem(
                409, "not_completed",
                "Image \(imageId) is \(record.status.rawValue); only a completed image has a likeness to search by.")
        }
        let found = try await catalog.similar(owner: owner, to: phash, maxDistance: maxDistance, excluding: imageId)
        let items = try found.map { match in
            var view = try ImageView(match.record, links: links, derivedBucket: config.derivedBucket, full: false)
            view.distance = match.distance
            return view
        }
        return .json(200, SimilarPage(imageId: imageId, maxDistance: maxDistance, items: items))
    }

    struct Erased: Encodable {
        var imageId: String
        var status: String
    }

    /// Erases every object of the image (every version of its original, its variants, its archive,
    /// a set-aside copy), then its index items and its record.
    func erase(_ imageId: String, owner: String) async throws -> APIResponse {
        guard Self.isImageId(imageId) else { throw Problem(404, "no_image", "There is no image \(imageId).") }
        guard let record = try await catalog.record(imageId) else {
            if try await catalog.erasedOwner(imageId) == owner {
                return .json(202, Erased(imageId: imageId, status: "ERASED"))
            }
            throw Problem(404, "no_image", "There is no image \(imageId).")
        }
        guard record.owner == owner else { throw Problem(404, "no_image", "There is no image \(imageId).") }
        guard record.status.isFinal else {
            throw Problem(
                409, "still_processing", "Image \(imageId) is \(record.status.rawValue); erase it once it is final.")
        }
        let layout = config.layout
        // The original, when it was uploaded (never a file `darkroom process` read where it lies).
        if record.source.bucket == config.uploadsBucket {
            try await objects.eraseAll(bucket: record.source.bucket, key: record.source.key, isPrefix: false)
        }
        if let quarantine = layout.quarantineFolder(imageId: imageId) {
            try await objects.eraseAll(bucket: record.source.bucket, key: quarantine, isPrefix: true)
        }
        try await objects.eraseAll(
            bucket: config.derivedBucket, key: "\(layout.derivedPrefix)\(imageId)/", isPrefix: true)
        try await objects.eraseAll(
            bucket: config.archiveBucket,
            key: layout.archivePrefix(imageId: imageId, receivedAt: record.job?.receivedAt ?? record.createdAt),
            isPrefix: true)
        try await catalog.forget(record, at: Timestamp.string(clock()))
        return .json(202, Erased(imageId: imageId, status: "ERASED"))
    }

    // MARK: Input

    static func isImageId(_ text: String) -> Bool {
        text.utf8.count == 32 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A date (`2026-11-27`, the whole day) or an ISO 8601 time, as records write times.
    static func time(_ text: String, endOfDay: Bool, name: String) throws -> String {
        let bad = Problem(
            400, "bad_date", "\(name) must be a date (2026-11-27) or an ISO 8601 time (2026-11-27T10:00:00Z).")
        // The parser is lenient (February 30 is March 2): the day must come back as written.
        let dayText = String(text.prefix(10))
        guard let day = Timestamp.date(dayText + "T00:00:00Z"), Timestamp.string(day).hasPrefix(dayText) else {
            throw bad
        }
        if text.utf8.count == 10 { return Timestamp.string(endOfDay ? day.addingTimeInterval(86_400 - 0.001) : day) }
        guard let time = Timestamp.date(text) else { throw bad }
        return Timestamp.string(time)
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "it is not JSON" : "\(context.codingPath.map(\.stringValue).joined(separator: ".")) is malformed"
        @unknown default: "it could not be read"
        }
    }
}

/// Upload ids: 64 random bits, the form's expiry (seconds since 1970) and 64 bits of an HMAC of
/// both and the owner. Whether an upload never came or is still on its way is told without storing
/// anything, and an id is good only for the owner it was made for: any other caller gets a 404.
struct UploadID {
    let key: [UInt8]

    func make(owner: String, expiresAt: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let seconds = UInt32(clamping: Int(expiresAt.timeIntervalSince1970))
        let body = Digest.hex(random + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: seconds >> $0) })
        return body + mac(body, owner: owner)
    }

    /// When the form of upload `id` expires; nil when `id` is not an upload id made for `owner`.
    func expiry(_ id: String, owner: String) -> Date? {
        guard id.utf8.count == 40, id.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        let body = String(id.prefix(24))
        guard Digest.equalInConstantTime(Array(mac(body, owner: owner).utf8), Array(id.suffix(16).utf8)),
            let seconds = UInt32(body.suffix(8), radix: 16)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private func mac(_ body: String, owner: String) -> String {
        String(Digest.hex(Digest.hmacSHA256(key: key, message: Array("upload\n\(owner)\n\(body)".utf8))).prefix(16))
    }
}
