import Pipeline
import DarkroomTestSupport
import Testing

@Suite struct JobStatusTests {
    func record(_ status: JobStatus) -> JobRecord {
        var record = JobRecord(
            job: ImageJob(
                source: SourceObject(bucket: "uploads", key: "uploads/a.jpg", etag: "e", size: 1), receivedAt: "t0"),
            at: "t0")
        record.status = status
        return record
    }

    /// What a record may become: from PROCESSING anything (a stage records itself by staying
    /// there); from a final status nothing, a conflict the caller tells from other failures.
    @Test func finalStatusesAreNeverLeftAndProcessingGoesAnywhere() throws {
        for final in JobStatus.allCases where final.isFinal {
            for next in JobStatus.allCases {
                #expect(throws: PipelineError.self, "\(final) -> \(next)") {
                    try record(final).applying(JobUpdate(status: next), at: "t1")
                }
                do {
                    _ = try record(final).applying(JobUpdate(status: next), at: "t1")
                } catch let error as PipelineError {
                    #expect(error.code == .conflict)
                }
            }
        }
        for next in JobStatus.allCases {
            let moved = try record(.processing).applying(JobUpdate(status: next), at: "t1")
            #expect(moved.status == next && moved.updatedAt == "t1")
        }
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
        resized.variants = [
            Variant(
                name: "large", format: "jpeg", width: 1, height: 1, bytes: 1, bucket: "d", key: "x/large.jpg",
                contentType: "image/jpeg")
        ]
        thumbnails.variants = [
            Variant(
                name: "small", format: "jpeg", width: 1, height: 1, bytes: 1, bucket: "d", key: "x/small.jpg",
                contentType: "image/jpeg")
        ]
        moderated.moderation = ModerationResult(status: .skipped)
        let merged = try ImageJob.merging([resized, thumbnails, moderated])
        #expect(merged.variants.map(\.name) == ["large", "small"])
        #expect(merged.moderation?.status == .skipped)
        var other = resized
        other.imageId = "different"
        #expect(throws: PipelineError.self) { try ImageJob.merging([resized, other]) }
    }
}
