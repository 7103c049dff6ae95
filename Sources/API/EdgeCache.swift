public import AWSClient

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

/// CloudFront's invalidations of one distribution.
public struct CloudFrontEdgeCache: EdgeCache {
    let cloudFront: CloudFrontClient
    let distributionId: String

    public init(cloudFront: CloudFrontClient, distributionId: String) {
        self.cloudFront = cloudFront
        self.distributionId = distributionId
    }

    public func invalidate(_ paths: [String], reference: String) async throws -> EdgeInvalidation {
        let made = try await AWSBlocking.run { [cloudFront, distributionId] in
            try cloudFront.createInvalidation(distributionId: distributionId, paths: paths, reference: reference)
        }
        return EdgeInvalidation(id: made.id, status: made.status)
    }

    public func invalidation(_ id: String) async throws -> EdgeInvalidation {
        let found = try await AWSBlocking.run { [cloudFront, distributionId] in
            try cloudFront.getInvalidation(distributionId: distributionId, id: id)
        }
        return EdgeInvalidation(id: found.id, status: found.status)
    }
}
