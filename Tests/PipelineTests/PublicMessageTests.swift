import DarkroomTestSupport
import Foundation
import Pipeline
import Testing

/// What a FAILED record may say: nothing that names the deployment, the raw error logged under the
/// record's reference.
@Suite struct PublicMessageTests {
    /// An AccessDenied as S3 words it, with the role's ARN, the account, the bucket and the ids.
    static let accessDenied =
        "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/darkroom-ResizeRole-1AB2/darkroom-ResizeFunction-9XY "
        + "is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::darkroom-derived-7q2w/derived/"
        + "0123456789abcdef0123456789abcdef/w320.jpg\" because no identity-based policy allows the s3:PutObject action "
        + "(RequestId: 4442587FB7D0A2F9, HostId: 9Vd2kG0bq+Xc7y1mR4q3Zt8uVwE5nJ6aLpHs2KfO0=) in bucket darkroom-derived-7q2w"

    @Test func internalNamesAndIdsAreTakenOut() {
        let cleaned = PublicMessage.clean(Self.accessDenied, names: ["darkroom-derived-7q2w", "darkroom-images"])
        for leak in [
            "arn:", "123456789012", "darkroom-derived-7q2w", "ResizeRole", "4442587FB7D0A2F9", "9Vd2kG0bq",
            "ResizeFunction",
        ] {
            #expect(!cleaned.contains(leak), "\(leak) in \(cleaned)")
        }
        #expect(cleaned.hasPrefix("AccessDenied: User: <redacted> is not authorized to perform: s3:PutObject"))
        #expect(cleaned.contains("RequestId: <redacted>") && cleaned.contains("in bucket <resource>"))
        // What the owner needs stays: the error's words, the operation, an image id.
        #expect(
            PublicMessage.clean("image 0123456789abcdef0123456789abcdef is already FAILED")
                == "image 0123456789abcdef0123456789abcdef is already FAILED")
        #expect(
            PublicMessage.clean("S3 said 503 SlowDown: Please reduce your request rate.")
                == "S3 said 503 SlowDown: Please reduce your request rate.")
        #expect(PublicMessage.clean(String(repeating: "word ", count: 200)).count == PublicMessage.maxCharacters)
    }

    final class Logged: @unchecked Sendable {
        var lines: [(reference: String, imageId: String, raw: String)] = []
        let lock = NSLock()
        func add(_ reference: String, _ imageId: String, _ raw: String) {
            lock.withLock { lines.append((reference, imageId, raw)) }
        }
    }

    /// Recorded FAILED through the runner a function uses: the record keeps the cleaned message and
    /// a reference; the log got the raw error under that reference. Without ``PublicErrors`` (the
    /// CLI), the raw message is kept.
    @Test func aFailureRecordsTheCleanedMessageAndLogsTheRawOne() async throws {
        let folder = try TemporaryFolder()
        let jobs = LocalJobStore(folder: folder.path + "/jobs")
        let logged = Logged()
        let runner = StageRunner(
            jobs: jobs, notifier: LocalNotifier(path: folder.path + "/notifications.jsonl"),
            publicErrors: PublicErrors(names: ["darkroom-derived-7q2w"], log: logged.add))
        let job = ImageJob(
            source: SourceObject(
                bucket: "darkroom-uploads-5e6r", key: "uploads/api/owner/u1/photo.jpg", etag: "e", size: 1),
            receivedAt: "2026-12-02T10:00:00.000Z")
        try await runner.fail(
            job, error: PipelineError(.fault, cause: "AccessDenied", Self.accessDenied + " darkroom-uploads-5e6r"))
        let record = try #require(try await jobs.get(job.imageId))
        #expect(record.status == .failed && record.cause == "AccessDenied")
        let detail = try #require(record.detail)
        #expect(
            !detail.contains("arn:") && !detail.contains("darkroom-derived-7q2w")
                && !detail.contains("darkroom-uploads-5e6r"))
        let reference = try #require(record.reference)
        #expect(reference.count == 16)
        #expect(
            logged.lines.count == 1 && logged.lines[0].reference == reference && logged.lines[0].imageId == job.imageId)
        #expect(logged.lines[0].raw.contains("arn:aws:sts::123456789012"))

        let cli = StageRunner(jobs: jobs, notifier: LocalNotifier(path: folder.path + "/notifications.jsonl"))
        let other = ImageJob(
            source: SourceObject(
                bucket: "darkroom-uploads-5e6r", key: "uploads/api/owner/u2/photo.jpg", etag: "e", size: 1),
            receivedAt: "2026-12-02T10:00:00.000Z")
        try await cli.fail(other, error: PipelineError(.fault, cause: "AccessDenied", Self.accessDenied))
        let raw = try #require(try await jobs.get(other.imageId))
        #expect(raw.detail?.contains("arn:aws:sts::123456789012") == true && raw.reference == nil)
    }
}
