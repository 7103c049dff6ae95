import Pipeline

/// `GET /v1/images` (the caller's images, newest first, filtered, paged by a sealed cursor) and
/// `GET /v1/images/{id}`.
extension ImageAPI {
    func owned(_ imageId: String, owner: String) async throws -> JobRecord {
        guard Self.isImageId(imageId), let record = try await catalog.record(imageId), record.owner == owner else {
            throw Problem(404, "no_image", "There is no image \(imageId).")
        }
        return record
    }

    func image(_ imageId: String, _ context: RequestContext) async throws -> APIResponse {
        .json(
            200,
            try ImageView(
                try await owned(imageId, owner: context.owner), links: links, renditions: renditions,
                derivedBucket: config.derivedBucket,
                full: true))
    }

    struct Page: Encodable {
        var items: [ImageView]
        var cursor: String?
    }

    func list(_ context: RequestContext) async throws -> APIResponse {
        let (request, owner) = (context.request, context.owner)
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
            try ImageView($0, links: links, renditions: renditions, derivedBucket: config.derivedBucket, full: false)
        }
        return .json(200, Page(items: items, cursor: page.next.map { seal.seal($0, owner: owner, filters: filters) }))
    }
}
