public import Pipeline
public import AWSClient

/// CloudFront's invalidations of one distribution.
public struct CloudFrontEdgeCache: EdgeCache {
    let cloudFront: CloudFrontClient
    let distributionId: String

    public init(cloudFront: CloudFrontClient, distributionId: String) {
        self.cloudFront = cloudFront
        self.distributionId = distributionId
    }

    public func invalidate(_ paths: [String], reference: String) async throws -> EdgeInvalidation {
        let made = try await awsWork { [cloudFront, distributionId] in
            try cloudFront.createInvalidation(
                distributionId: distributionId, paths: paths, reference: reference, deadline: $0)
        }
        return EdgeInvalidation(id: made.id, status: made.status)
    }

    public func invalidation(_ id: String) async throws -> EdgeInvalidation {
        let found = try await awsWork { [cloudFront, distributionId] in
            try cloudFront.getInvalidation(distributionId: distributionId, id: id, deadline: $0)
        }
        return EdgeInvalidation(id: found.id, status: found.status)
    }
}
