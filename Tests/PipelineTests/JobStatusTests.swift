import Pipeline
import DarkroomTestSupport
import Testing

@Suite struct JobStatusTests {
    @Test func finalStatusesAreNeverLeft() {
        for final in JobStatus.allCases where final.isFinal {
            for next in JobStatus.allCases { #expect(!final.canMove(to: next), "\(final) -> \(next)") }
        }
    }

    @Test func theForwardPath() {
        #expect(JobStatus.processing.canMove(to: .processing))
        #expect(JobStatus.processing.canMove(to: .completed))
        #expect(JobStatus.processing.canMove(to: .rejected))
        #expect(JobStatus.allCases.filter { !$0.isFinal } == [.processing])
    }

    @Test func imageIdIsDeterministic() {
        let a = SourceObject(bucket: "uploads", key: "uploads/cat.jpg", etag: "abc", size: 10)
        #expect(ImageJob.imageId(for: a) == ImageJob.imageId(for: a))
        #expect(ImageJob.imageId(for: a).count == 32)
        var b = a
        b.etag = "abd"
        #expect(ImageJob.imageId(for: a) != ImageJob.imageId(for: b))
        var c = a
        c.versionId = "v2"
        #expect(ImageJob.imageId(for: c) != ImageJob.imageId(for: a))
    }

    @Test func mergingParallelBranches() throws {
        let source = SourceObject(bucket: "b", key: "k", size: 1)
        var resized = ImageJob(source: source, receivedAt: "2026-01-01T00:00:00.000Z")
        var thumbnails = resized
        var moderated = resized
        resized.variants = [Variant(name: "large", format: "jpeg", width: 1, height: 1, bytes: 1, bucket: "d", key: "x/large.jpg", contentType: "image/jpeg")]
        thumbnails.variants = [Variant(name: "small", format: "jpeg", width: 1, height: 1, bytes: 1, bucket: "d", key: "x/small.jpg", contentType: "image/jpeg")]
        moderated.moderation = ModerationResult(status: "skipped")
        let merged = try ImageJob.merging([resized, thumbnails, moderated])
        #expect(merged.variants.map(\.name) == ["large", "small"])
        #expect(merged.moderation?.status == "skipped")
        var other = resized
        other.imageId = "different"
        #expect(throws: PipelineError.self) { try ImageJob.merging([resized, other]) }
    }
}
