public import Renditions

/// The rendition keys a render process holds: read once at start, and read again when a URL's
/// signature matches neither key and the last read is old enough. So a rotation (a new current
/// key, the old one kept as previous) reaches a warm function within `minimumInterval` of the
/// first URL signed with the new key, and a stream of forged URLs costs at most one read per
/// interval.
public actor RenditionKeyring {
    private var keys: RenditionKeys
    private let reload: (@Sendable () async throws -> RenditionKeys)?
    private let minimumInterval: Duration
    private var lastRead: ContinuousClock.Instant

    public init(
        _ keys: RenditionKeys, reload: (@Sendable () async throws -> RenditionKeys)? = nil,
        minimumInterval: Duration = .seconds(30)
    ) {
        self.keys = keys
        self.reload = reload
        self.minimumInterval = minimumInterval
        lastRead = .now
    }

    /// The keys as last read.
    public var current: RenditionKeys { keys }

    /// The keys read again, or nil when there is no way to, the last read is too recent, or the
    /// read fails (the keys held stay).
    public func reread() async -> RenditionKeys? {
        guard let reload, ContinuousClock.now - lastRead >= minimumInterval else { return nil }
        lastRead = .now
        guard let fresh = try? await reload() else { return nil }
        keys = fresh
        return fresh
    }
}
