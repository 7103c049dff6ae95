import Pipeline
import Signing

/// `DELETE /v1/images/{id}`.
extension ImageAPI {
    struct Erased: Encodable {
        var imageId: String
        var status: String
        /// The edge's copies: their invalidation, where a CDN is in front.
        var cdn: EdgeInvalidation?
    }

    /// Notes the image as erased, erases every object of it (every version of its original, its
    /// variants, its archive, a set-aside copy), then its index items and its record.
    func erase(_ imageId: String, _ context: RequestContext) async throws -> APIResponse {
        let owner = context.owner
        guard Self.isImageId(imageId) else { throw Problem(404, "no_image", "There is no image \(imageId).") }
        guard let record = try await catalog.record(imageId) else {
            if try await catalog.erasedOwner(imageId) == owner {
                return .json(202, Erased(imageId: imageId, status: "ERASED", cdn: try await edgeState(imageId)))
            }
            throw Problem(404, "no_image", "There is no image \(imageId).")
        }
        guard record.owner == owner else { throw Problem(404, "no_image", "There is no image \(imageId).") }
        guard record.status.isFinal else {
            throw Problem(
                409, "still_processing", "Image \(imageId) is \(record.status.rawValue); erase it once it is final.")
        }
        let layout = config.layout
        // The note first: a set-aside racing this erase either sees it and removes its own copy,
        // or copied before it was written, and then the listings below find the copy.
        try await catalog.noteErased(record, at: Timestamp.string(clock()))
        // The original, when it was uploaded (never a file `darkroom process` read where it lies):
        // its own version only, where the bucket keeps versions. Another version under the same
        // key is another image's (a form re-posted, refused `upload_reused`; a key overwritten),
        // and erasing this one never touches it.
        if record.source.bucket == config.uploadsBucket {
            if let version = record.source.versionId {
                try await objects.delete(bucket: record.source.bucket, key: record.source.key, versionId: version)
            } else {
                try await objects.eraseAll(bucket: record.source.bucket, key: record.source.key, isPrefix: false)
            }
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
        // Its bytes back, once the image is gone (an erase asked again finds no record and
        // gives nothing twice). A failure here leaves the count high, never the image half-erased.
        if record.status == .completed, Owner.of(key: record.source.key).uploadId != nil, let usage {
            do {
                try await usage.freed(owner: owner, bytes: record.source.size)
            } catch {
                log("erase of \(imageId) could not give back its \(record.source.size) bytes: \(error)")
            }
        }
        let variants = record.job?.variants.map { "/" + URIEncoding.encodePath($0.key) } ?? []
        let cdn = await invalidate(imageId, paths: variants + ["/r/\(imageId)/*"], reference: "erase-\(imageId)")
        return .json(202, Erased(imageId: imageId, status: "ERASED", cdn: cdn))
    }

    /// The edge's copies of an erased image: its variants' paths (each exact: CloudFront runs far
    /// fewer wildcard invalidations at once) and its renditions (`/r/{id}/*`: any size may have
    /// been asked for). Asked for once its objects are gone, so that the edge cannot fetch them
    /// again; a failure is reported, not thrown (the erase stands; asking to erase again asks
    /// again), and signed links stop working within their lifetime regardless.
    func invalidate(_ imageId: String, paths: [String], reference: String) async -> EdgeInvalidation? {
        guard let edge else { return nil }
        do {
            let made = try await edge.invalidate(paths, reference: reference)
            if let id = made.id { try await catalog.noteInvalidation(imageId, id: id) }
            return made
        } catch {
            log("invalidating erased image \(imageId) at the edge failed: \(error)")
            // For the reconciler to ask again (docs/operating.md); this note failing too leaves it
            // to an erase asked again.
            try? await catalog.noteInvalidationFailed(imageId, at: Timestamp.string(clock()))
            return EdgeInvalidation(id: nil, status: "failed")
        }
    }

    /// An erased image's invalidation as it stands; one asked for now if the erase could not.
    func edgeState(_ imageId: String) async throws -> EdgeInvalidation? {
        guard let edge else { return nil }
        guard let id = try await catalog.erasedInvalidation(imageId) else {
            // The record is gone, and with it the variant keys: every path of the image then.
            let every = ErasedPaths.all(imageId, derivedPrefix: config.layout.derivedPrefix)
            return await invalidate(imageId, paths: every.paths, reference: every.reference)
        }
        do {
            return try await edge.invalidation(id)
        } catch {
            log("reading invalidation \(id) of erased image \(imageId) failed: \(error)")
            return EdgeInvalidation(id: id, status: "unknown")
        }
    }
}
