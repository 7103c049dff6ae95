import AWSClient
import DarkroomTestSupport
import Foundation
import Pipeline
import Testing
import PipelineAWS

/// The job store against DynamoDB (moto) with the table template.yaml declares: what the
/// reconciler's `byStatus` index holds as a record moves.
@Suite(.serialized) struct DynamoJobStoreTests {
    let store: DynamoJobStore
    let dynamo: DynamoDBClient
    let table: String

    init() throws {
        let stack = try #require(LocalAWS.stack, "local_aws.py stack did not start")
        dynamo = try stack.clients().dynamoDB
        table = try stack.table(fromTemplate: "ImagesTable")
        store = DynamoJobStore(dynamo: dynamo, table: table)
    }

    /// The ids the byStatus index holds under `status`.
    private func indexed(_ status: JobStatus) throws -> Set<String> {
        let condition = DynamoDBClient.Expression("watchStatus = :status", values: [":status": .s(status.rawValue)])
        return Set(
            try dynamo.queryAll(table: table, index: "byStatus", keyCondition: condition).compactMap {
                $0["imageId"]?.string
            })
    }

    private func job(_ key: String) -> ImageJob {
        ImageJob(
            source: SourceObject(bucket: "uploads", key: key, versionId: "v1", size: 10),
            receivedAt: "2026-11-26T10:00:00.000Z")
    }

    @Test func aCompletedImageLeavesTheStatusIndexUnlessItsAnnouncementFailed() async throws {
        let (earlier, later) = ("2026-11-26T10:00:00.000Z", "2026-11-26T12:00:00.000Z")
        let done = job("uploads/done.jpg"), unheard = job("uploads/unheard.jpg"), broken = job("uploads/broken.jpg")
        for job in [done, unheard, broken] { _ = try await store.create(job, at: earlier) }
        // In PROCESSING, all three are in the index, found stale.
        #expect(
            Set(try await store.stale(before: later).map(\.imageId)) == [done.imageId, unheard.imageId, broken.imageId])

        _ = try await store.update(done.imageId, JobUpdate(status: .completed, job: done), at: earlier)
        _ = try await store.update(unheard.imageId, JobUpdate(status: .completed, job: unheard), at: earlier)
        _ = try await store.update(broken.imageId, JobUpdate(status: .failed, reason: "fault"), at: earlier)
        #expect(try await store.stale(before: later).isEmpty)
        #expect(try indexed(.completed).isEmpty && indexed(.processing).isEmpty && indexed(.failed) == [broken.imageId])
        // Announced (nothing noted): neither completed image is left anywhere the reconciler looks.
        #expect(try await store.unannounced(since: "2026-11-26T00:00:00.000Z", before: later).isEmpty)

        // One announcement fails: that record is back in the index, found, and taken on once.
        try await store.markUnannounced(unheard.imageId)
        let found = try await store.unannounced(since: "2026-11-26T00:00:00.000Z", before: later)
        #expect(found.map(\.imageId) == [unheard.imageId] && found.first?.status == .completed)
        #expect(try indexed(.completed) == [unheard.imageId])
        #expect(try await store.claimAnnouncement(unheard.imageId))
        #expect(try await !store.claimAnnouncement(unheard.imageId))
        #expect(try await store.get(done.imageId)?.status == .completed)
    }
}
