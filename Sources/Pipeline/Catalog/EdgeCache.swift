/// An invalidation at the edge, as the API reports it after an erase.
public struct EdgeInvalidation: Sendable, Equatable, Encodable {
    /// CloudFront's id for it; nil when it could not be asked for.
    public var id: String?
    /// `InProgress`, `Completed`, or `failed` (it could not be asked for: the erase stands, and
    /// asking to erase again asks again).
    public var status: String

    public init(id: String?, status: String) {
        self.id = id
        self.status = status
    }
}

/// The CDN in front of the variants and renditions, whose copies an erase must remove.
public protocol EdgeCache: Sendable {
    /// Asks for `paths` (each from `/`, a `*` only at the end) to be dropped at the edge; the same
    /// `reference` and paths again give the same invalidation back.
    func invalidate(_ paths: [String], reference: String) async throws -> EdgeInvalidation
    /// How the invalidation `id` is going.
    func invalidation(_ id: String) async throws -> EdgeInvalidation
}

/// The edge paths of an erased image.
public enum ErasedPaths {
    /// Every path of it, by wildcard: its variants under `derivedPrefix`, its renditions under
    /// `/r/` (an erase that still has the record names the variants exactly instead: CloudFront
    /// runs far fewer wildcard paths at once), with the reference that makes asking again give the
    /// same invalidation back.
    public static func all(_ imageId: String, derivedPrefix: String) -> (paths: [String], reference: String) {
        (["/\(derivedPrefix)\(imageId)/*", "/r/\(imageId)/*"], "erase-\(imageId)-all")
    }
}
