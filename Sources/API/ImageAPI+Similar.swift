import Pipeline

/// `GET /v1/images/{id}/similar`: the caller's completed images whose perceptual hash is near,
/// the nearest `limit` at a time, further pages through a cursor.
extension ImageAPI {
    struct SimilarPage: Encodable {
        var imageId: String
        var maxDistance: Int
        var items: [ImageView]
        var cursor: String?
    }

    func similar(_ imageId: String, _ context: RequestContext) async throws -> APIResponse {
        let (request, owner) = (context.request, context.owner)
        var maxDistance = PerceptualBands.maxDistance
        if let text = request.query["maxDistance"] {
            guard let distance = Int(text), (0...PerceptualBands.maxDistance).contains(distance) else {
                throw Problem(
                    400, "bad_distance",
                    "maxDistance must be 0 to \(PerceptualBands.maxDistance) (bits of the 64-bit hash).")
            }
            maxDistance = distance
        }
        var limit = 20
        if let text = request.query["limit"] {
            guard let value = Int(text), (1...100).contains(value) else {
                throw Problem(400, "bad_limit", "limit must be 1 to 100.")
            }
            limit = value
        }
        // A cursor continues the same search: the same image, the same distance.
        let seal = CursorSeal(key: config.cursorKey)
        let filters = "similar:\(imageId):\(maxDistance)"
        var offset = 0
        if let cursor = request.query["cursor"] {
            guard let text = try seal.open(cursor, owner: owner, filters: filters)["offset"], let value = Int(text),
                value >= 0
            else { throw Problem(400, "bad_cursor", "The cursor is not one this API handed out for this list.") }
            offset = value
        }
        let record = try await owned(imageId, owner: owner)
        guard record.status == .completed, let phash = record.job?.metadata.flatMap({ PerceptualBands.value($0.phash) })
        else {
            throw Problem(
                409, "not_completed",
                "Image \(imageId) is \(record.status.rawValue); only a completed image has a likeness to search by.")
        }
        // One more than the page, to know whether another follows; never past the search's bound.
        let first = min(offset + limit + 1, SimilarSearch.maxResults)
        let found = try await catalog.similar(
            owner: owner, to: phash, maxDistance: maxDistance, excluding: imageId, first: first)
        let page = found.dropFirst(offset).prefix(limit)
        let items = try page.map { match in
            var view = try ImageView(
                match.record, links: links, renditions: renditions, derivedBucket: config.derivedBucket, full: false)
            view.distance = match.distance
            return view
        }
        let next = offset + page.count
        let cursor =
            found.count > next && next < SimilarSearch.maxResults
            ? seal.seal(["offset": String(next)], owner: owner, filters: filters) : nil
        return .json(200, SimilarPage(imageId: imageId, maxDistance: maxDistance, items: items, cursor: cursor))
    }
}
