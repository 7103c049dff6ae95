import Pipeline

/// `GET /v1/images/{id}/similar`: the caller's completed images whose perceptual hash is near.
extension ImageAPI {
    struct SimilarPage: Encodable {
        var imageId: String
        var maxDistance: Int
        var items: [ImageView]
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
        let record = try await owned(imageId, owner: owner)
        guard record.status == .completed, let phash = record.job?.metadata.flatMap({ PerceptualBands.value($0.phash) })
        else {
            throw Problem(
                409, "not_completed",
                "Image \(imageId) is \(record.status.rawValue); only a completed image has a likeness to search by.")
        }
        let found = try await catalog.similar(owner: owner, to: phash, maxDistance: maxDistance, excluding: imageId)
        let items = try found.map { match in
            var view = try ImageView(
                match.record, links: links, renditions: renditions, derivedBucket: config.derivedBucket, full: false)
            view.distance = match.distance
            return view
        }
        return .json(200, SimilarPage(imageId: imageId, maxDistance: maxDistance, items: items))
    }
}
