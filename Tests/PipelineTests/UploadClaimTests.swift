import DarkroomTestSupport
import Pipeline
import Testing

/// An upload id yields one image: the folder store's claim, as DynamoDB's conditional write
/// behaves (that one is in Tests/EndToEnd/test_api.py, through moto).
@Suite struct UploadClaimTests {
    @Test func theFirstImageHoldsTheClaimAndItsRetriesKeepIt() async throws {
        let folder = try TemporaryFolder()
        let jobs = LocalJobStore(folder: folder.path + "/jobs")
        let time = "2026-12-02T10:00:00.000Z"
        #expect(try await jobs.claimUpload(owner: "u-alice", uploadId: "up1", imageId: "image-a", at: time))
        #expect(try await jobs.claimUpload(owner: "u-alice", uploadId: "up1", imageId: "image-a", at: time))
        #expect(!(try await jobs.claimUpload(owner: "u-alice", uploadId: "up1", imageId: "image-b", at: time)))
        // Another upload, or the same id of another owner, is another claim.
        #expect(try await jobs.claimUpload(owner: "u-alice", uploadId: "up2", imageId: "image-b", at: time))
        #expect(try await jobs.claimUpload(owner: "u-bob", uploadId: "up1", imageId: "image-c", at: time))
        #expect(await jobs.claimant(owner: "u-alice", uploadId: "up1") == "image-a")
        #expect(await jobs.claimant(owner: "u-alice", uploadId: "up9") == nil)
    }
}
