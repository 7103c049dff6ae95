#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A job store over a folder: one JSON file per image, written atomically. One process at a time
/// (the CLI); the actor orders the writes within it.
public actor LocalJobStore: JobStore {
    private let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    private func path(_ imageId: String) -> String { "\(folder)/\(imageId).json" }

    public func get(_ imageId: String) async throws -> JobRecord? {
        guard let data = FileManager.default.contents(atPath: path(imageId)) else { return nil }
        do {
            return try JSONDecoder().decode(JobRecord.self, from: data)
        } catch {
            // A record this program cannot read is treated as absent: the image is processed again.
            return nil
        }
    }

    public func claimUpload(owner: String, uploadId: String, imageId: String, at time: String) async throws -> Bool {
        try FileManager.default.createDirectory(atPath: "\(folder)/.claims", withIntermediateDirectories: true)
        let path = claimPath(owner, uploadId)
        // createFile(atPath:) replaces; a claim must not: create it only where none is.
        if let existing = FileManager.default.contents(atPath: path) {
            return String(decoding: existing, as: UTF8.self) == imageId
        }
        try LocalObjectStore.writeAtomically(Array(imageId.utf8), to: path)
        return true
    }

    /// An adoption's claim, as the images table keeps it.
    private struct AdoptionMarker: Codable {
        var claimedBy: String
        var claimedAt: String
        var adoptedFrom: String
        var adoptedAs: String?
    }

    private func adoptionPath(_ hash: String) -> String { "\(folder)/.claims/adopt-\(hash)" }

    private func adoptionMarker(_ hash: String) -> AdoptionMarker? {
        FileManager.default.contents(atPath: adoptionPath(hash)).flatMap {
            try? JSONDecoder().decode(AdoptionMarker.self, from: $0)
        }
    }

    public func claimAdoption(_ hash: String, run: String, source: String, at time: String) async throws
        -> AdoptionClaim
    {
        if let marker = adoptionMarker(hash) {
            if let imageId = marker.adoptedAs { return .adopted(imageId: imageId) }
            let stale =
                (Timestamp.date(marker.claimedAt) ?? .distantPast)
                .addingTimeInterval(AdoptionClaim.staleAfter) < (Timestamp.date(time) ?? Date())
            guard marker.claimedBy == run || stale else { return .busy(run: marker.claimedBy) }
        }
        try FileManager.default.createDirectory(atPath: "\(folder)/.claims", withIntermediateDirectories: true)
        let marker = AdoptionMarker(claimedBy: run, claimedAt: time, adoptedFrom: source)
        try LocalObjectStore.writeAtomically([UInt8](try JSONEncoder().encode(marker)), to: adoptionPath(hash))
        return .claimed
    }

    public func adoption(_ hash: String) async throws -> String? { adoptionMarker(hash)?.adoptedAs }

    public func releaseAdoption(_ hash: String, run: String) async throws {
        guard let marker = adoptionMarker(hash), marker.claimedBy == run, marker.adoptedAs == nil else { return }
        try? FileManager.default.removeItem(atPath: adoptionPath(hash))
    }

    public func adopted(_ hash: String, as imageId: String, at time: String) async throws {
        guard var marker = adoptionMarker(hash) else {
            throw PipelineError(.notFound, "no claim on source \(hash)")
        }
        marker.adoptedAs = imageId
        try LocalObjectStore.writeAtomically([UInt8](try JSONEncoder().encode(marker)), to: adoptionPath(hash))
    }

    private func claimPath(_ owner: String, _ uploadId: String) -> String { "\(folder)/.claims/\(owner)-\(uploadId)" }

    /// The image holding the claim on upload `uploadId` of `owner`, if one does.
    public func claimant(owner: String, uploadId: String) -> String? {
        FileManager.default.contents(atPath: claimPath(owner, uploadId)).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    public func create(_ job: ImageJob, at time: String) async throws -> JobRecord {
        if let existing = try await get(job.imageId) { return existing }
        let record = JobRecord(job: job, at: time)
        try write(record)
        return record
    }

    public func update(_ imageId: String, _ update: JobUpdate, at time: String) async throws -> JobRecord {
        guard let record = try await get(imageId) else {
            throw PipelineError(.notFound, "no record for image \(imageId)")
        }
        let next = try record.applying(update, at: time)
        try write(next)
        return next
    }

    public func replaceVariants(
        _ imageId: String, with variants: [Variant], ifUnchangedSince planned: String, at time: String
    ) async throws -> JobRecord {
        guard let record = try await get(imageId) else {
            throw PipelineError(.notFound, "no record for image \(imageId)")
        }
        let next = try record.replacingVariants(variants, ifUnchangedSince: planned, at: time)
        if next != record { try write(next) }
        return next
    }

    public func stale(before cutoff: String) async throws -> [JobRecord] {
        try await all().filter { $0.isStale(before: cutoff) }
    }

    public func restart(_ record: JobRecord, at time: String) async throws -> JobRecord {
        guard var current = try await get(record.imageId), current.status == record.status,
            current.updatedAt == record.updatedAt
        else {
            throw PipelineError(.conflict, "image \(record.imageId) changed while it was being restarted")
        }
        current.restarts = (current.restarts ?? 0) + 1
        current.updatedAt = time
        try write(current)
        return current
    }

    public func markUnannounced(_ imageId: String) async throws {
        guard var record = try await get(imageId) else {
            throw PipelineError(.notFound, "no record for image \(imageId)")
        }
        record.announced = false
        try write(record)
    }

    public func claimAnnouncement(_ imageId: String) async throws -> Bool {
        guard var record = try await get(imageId), record.status.isFinal, record.announced == false else {
            return false
        }
        record.announced = true
        try write(record)
        return true
    }

    public func unannounced(since oldest: String, before cutoff: String) async throws -> [JobRecord] {
        try await all().filter { $0.createdAt >= oldest && $0.isUnannounced(before: cutoff) }
    }

    /// Every record in the folder.
    public func all() async throws -> [JobRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var found: [JobRecord] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            if let record = try await get(String(name.dropLast(5))) { found.append(record) }
        }
        return found
    }

    /// Drops a record, so that the image is processed afresh (the CLI does this when the variant set
    /// changed or an earlier run failed).
    public func forget(_ imageId: String) throws {
        if FileManager.default.fileExists(atPath: path(imageId)) {
            try FileManager.default.removeItem(atPath: path(imageId))
        }
    }

    private func write(_ record: JobRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try LocalObjectStore.writeAtomically([UInt8](try encoder.encode(record)), to: path(record.imageId))
    }
}
