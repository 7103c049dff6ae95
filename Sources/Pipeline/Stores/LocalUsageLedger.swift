#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Owners' counters over a folder: one JSON file per owner, written atomically. One process at a
/// time (`darkroom serve`); the actor orders the changes within it.
public actor LocalUsageLedger: UsageLedger {
    private let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    private func path(_ owner: String) -> String { "\(folder)/\(owner).json" }

    private func read(_ owner: String) -> UsageState {
        guard let data = FileManager.default.contents(atPath: path(owner)),
            let state = try? JSONDecoder().decode(UsageState.self, from: data)
        else { return UsageState() }
        return state
    }

    private func write(_ state: UsageState, _ owner: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try LocalObjectStore.writeAtomically(Array(try JSONEncoder().encode(state)), to: path(owner))
    }

    public func usage(owner: String, limits: QuotaLimits, now: Double) async throws -> UsageState {
        read(owner).at(now, limits: limits)
    }

    public func admit(
        owner: String, uploadId: String, bytes: Int, leaseUntil: Int, limits: QuotaLimits, now: Double
    ) async throws -> UsageState {
        let next = try read(owner).at(now, limits: limits)
            .admitting(uploadId: uploadId, bytes: bytes, leaseUntil: leaseUntil, limits: limits, now: now).get()
        try write(next, owner)
        return next
    }

    public func settled(owner: String, uploadId: String, storedBytes: Int) async throws {
        var state = read(owner)
        state.leases[uploadId] = nil
        state.storedBytes += storedBytes
        state.revision += 1
        try write(state, owner)
    }

    public func freed(owner: String, bytes: Int) async throws {
        var state = read(owner)
        state.storedBytes = max(0, state.storedBytes - bytes)
        state.revision += 1
        try write(state, owner)
    }
}
