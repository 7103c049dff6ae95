@testable import Pipeline
import Testing

/// What the archived original carries as its own S3 metadata (``ArchiveMetadata``).
@Suite struct ArchiveMetadataTests {
    private func job(make: String?) -> ImageJob {
        var job = ImageJob(
            source: SourceObject(bucket: "uploads", key: "uploads/été/photo 1.jpg", versionId: "v1", size: 10),
            receivedAt: "2026-11-26T10:00:00.000Z")
        job.format = "jpeg"
        job.sha256 = String(repeating: "ab", count: 32)
        var metadata = ImageMetadata(
            width: 4000, height: 3000, format: "jpeg", bands: 3, hasAlpha: false, bitsPerSample: 8, colorSpace: "srgb",
            orientation: 1, pages: 1, bytes: 10, sha256: job.sha256 ?? "", phash: "0123456789abcdef")
        metadata.make = make
        metadata.model = make
        metadata.lens = make
        metadata.software = make
        metadata.iso = 200
        job.metadata = metadata
        return job
    }

    @Test func theOriginalSaysWhatAndWhoseItIsInASCII() {
        let headers = ArchiveMetadata.of(job(make: "Canon"))
        #expect(headers["image-id"] == job(make: nil).imageId)
        #expect(headers["source-key"] == "uploads%2F%C3%A9t%C3%A9%2Fphoto%201.jpg")
        #expect(
            headers["width"] == "4000" && headers["height"] == "3000" && headers["iso"] == "200"
                && headers["make"] == "Canon")
        #expect(headers.values.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } })
    }

    @Test func itStaysWithinWhatS3AllowsDroppingTheLongestFieldsLast() {
        let headers = ArchiveMetadata.of(job(make: String(repeating: "é", count: 128)))  // 768 encoded bytes each
        #expect(headers.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count } <= ArchiveMetadata.limit)
        #expect(headers["image-id"] != nil && headers["sha256"] != nil && headers["gps-latitude"] == nil)
        #expect(headers["make"] != nil && headers["software"] == nil)
    }
}
