#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The API's lookups over the records of a folder (`darkroom serve` over what `darkroom process`
/// wrote): each query reads the folder's records, which is what a folder has; the DynamoDB catalog
/// is the one that must never scan.
public struct LocalImageCatalog: ImageCatalog {
    let jobs: LocalJobStore
    /// Where erased images' notes go.
    let erasedFolder: String

    public init(jobs: LocalJobStore, erasedFolder: String) {
        self.jobs = jobs
        self.erasedFolder = erasedFolder
    }

    public func record(_ imageId: String) async throws -> JobRecord? {
        try await jobs.get(imageId)
    }

    /// Newest first, then by id: the position is the last item's `createdAt` and `imageId`.
    public func list(_ query: ImageListQuery) async throws -> ImagePage {
        let camera = query.camera?.lowercased()
        let matching = try await jobs.all().filter { record in
            record.owner == query.owner && (query.status.map { record.status == $0 } ?? true)
                && (camera.map { record.job?.metadata?.camera?.lowercased() == $0 } ?? true)
                && (query.from.map { record.createdAt >= $0 } ?? true)
                && (query.to.map { record.createdAt <= $0 } ?? true)
        }.sorted { ($0.createdAt, $0.imageId) > ($1.createdAt, $1.imageId) }
        let after = query.after.flatMap { position in position["createdAt"].map { ($0, position["imageId"] ?? "") } }
        let rest = after.map { after in matching.filter { ($0.createdAt, $0.imageId) < after } } ?? matching
        let page = Array(rest.prefix(query.limit))
        let next =
            rest.count > query.limit ? page.last.map { ["createdAt": $0.createdAt, "imageId": $0.imageId] } : nil
        return ImagePage(records: page, next: next)
    }

    public func upload(owner: String, uploadId: String) async throws -> JobRecord? {
        // The image that claimed the upload, else (before any claim) the newest made from it.
        let made = try await jobs.all().filter { Owner.of(key: $0.source.key) == (owner, uploadId) }
        if let claimant = await jobs.claimant(owner: owner, uploadId: uploadId),
            let record = made.first(where: { $0.imageId == claimant })
        {
            return record
        }
        return made.max { $0.createdAt < $1.createdAt }
    }

    public func completed(owner: String, sha256: String) async throws -> JobRecord? {
        try await jobs.all().first {
            $0.owner == owner && $0.status == .completed && $0.job?.metadata?.sha256 == sha256
        }
    }

    // A folder of the operator's own: every record is read (no bands), then the first kept.
    public func similar(owner: String, to phash: UInt64, maxDistance: Int, excluding: String, first: Int)
        async throws -> [SimilarImage]
    {
        try await jobs.all().compactMap { record -> SimilarImage? in
            guard record.owner == owner, record.status == .completed, record.imageId != excluding,
                let other = record.job?.metadata.flatMap({ PerceptualBands.value($0.phash) })
            else { return nil }
            let distance = PerceptualBands.distance(phash, other)
            return distance <= maxDistance ? SimilarImage(record: record, distance: distance) : nil
        }.sorted { ($0.distance, $0.record.imageId) < ($1.distance, $1.record.imageId) }.prefix(first).map { $0 }
    }

    public func noteErased(_ record: JobRecord, at time: String) async throws {
        try LocalObjectStore.writeAtomically(
            Array("{\"erasedBy\":\"\(record.owner)\",\"erasedAt\":\"\(time)\"}\n".utf8),
            to: "\(erasedFolder)/\(record.imageId).json")
    }

    public func forget(_ record: JobRecord, at time: String) async throws {
        try await noteErased(record, at: time)
        try await jobs.forget(record.imageId)
    }

    public func erasedOwner(_ imageId: String) async throws -> String? {
        note(imageId)?["erasedBy"]
    }

    private func note(_ imageId: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: "\(erasedFolder)/\(imageId).json") else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: data)
    }

    /// The note of `imageId` changed by `change`, when there is one.
    private func amend(_ imageId: String, _ change: (inout [String: String]) -> Void) throws {
        guard var note = note(imageId) else { return }
        change(&note)
        try LocalObjectStore.writeAtomically(
            Array(try JSONEncoder().encode(note)), to: "\(erasedFolder)/\(imageId).json")
    }

    public func noteInvalidation(_ imageId: String, id: String) async throws {
        try amend(imageId) {
            $0["invalidation"] = id
            $0["uninvalidatedAt"] = nil
        }
    }

    public func erasedInvalidation(_ imageId: String) async throws -> String? {
        note(imageId)?["invalidation"]
    }

    public func noteInvalidationFailed(_ imageId: String, at time: String) async throws {
        try amend(imageId) { $0["uninvalidatedAt"] = time }
    }

    /// (A folder has no index: the notes are read. `darkroom serve` has no CDN to invalidate.)
    public func uninvalidated(first: Int) async throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: erasedFolder)) ?? []
        let pending = names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.compactMap { id in
            note(id).flatMap { note in
                note["invalidation"] == nil ? note["uninvalidatedAt"].map { (id, $0) } : nil
            }
        }
        return pending.sorted { $0.1 < $1.1 }.prefix(first).map(\.0)
    }
}
