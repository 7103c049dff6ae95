import Foundation
import Testing

@testable import AWSClient
import DarkroomTestSupport

/// Reads and copies that name the bytes they mean (a version id, or If-Match on the ETag), and a
/// transport that never reads an answer past its cap, against moto with signature checking on.
@Suite(.serialized) struct S3VersionTests {
    let stack: LocalAWS
    let s3: S3Client
    let versioned: String
    let plain: String

    init() throws {
        stack = try #require(LocalAWS.stack, "local_aws.py stack did not start")
        s3 = try stack.clients().s3
        versioned = try stack.bucket("darkroom-versioned", versioned: true)
        plain = try stack.bucket("darkroom-plain")
    }

    @Test func aVersionIdReadsAndCopiesTheBytesItNamesAfterAnOverwrite() throws {
        try s3.putObject(bucket: versioned, key: "uploads/a.jpg", body: Array("checked".utf8))
        let first = try s3.headObject(bucket: versioned, key: "uploads/a.jpg")
        let version = try #require(first.versionId)
        try s3.putObject(bucket: versioned, key: "uploads/a.jpg", body: Array("swapped!".utf8))
        #expect(try s3.getObject(bucket: versioned, key: "uploads/a.jpg").body == Array("swapped!".utf8))
        #expect(
            try s3.getObject(bucket: versioned, key: "uploads/a.jpg", versionId: version).body == Array("checked".utf8))
        #expect(try s3.headObject(bucket: versioned, key: "uploads/a.jpg", versionId: version).size == 7)
        try s3.copyObject(
            fromBucket: versioned, fromKey: "uploads/a.jpg", fromVersionId: version, toBucket: versioned,
            toKey: "archive/a.jpg")
        #expect(try s3.getObject(bucket: versioned, key: "archive/a.jpg").body == Array("checked".utf8))
    }

    @Test func ifMatchRefusesOtherBytesUnderTheKey() throws {
        let etag = try #require(try s3.putObject(bucket: plain, key: "uploads/b.jpg", body: Array("checked".utf8)))
        #expect(try s3.getObject(bucket: plain, key: "uploads/b.jpg", ifMatch: etag).body == Array("checked".utf8))
        // Stored bare (as records keep it), sent quoted.
        let bare = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        #expect(try s3.getObject(bucket: plain, key: "uploads/b.jpg", ifMatch: bare).body == Array("checked".utf8))
        try s3.putObject(bucket: plain, key: "uploads/b.jpg", body: Array("swapped!".utf8))
        let refused = #expect(throws: AWSError.self) {
            try s3.getObject(bucket: plain, key: "uploads/b.jpg", ifMatch: bare)
        }
        #expect(refused?.status == 412 && refused?.isRetryable == false)
        let copy = #expect(throws: AWSError.self) {
            try s3.copyObject(
                fromBucket: plain, fromKey: "uploads/b.jpg", ifMatch: bare, toBucket: plain, toKey: "archive/b.jpg")
        }
        #expect(copy?.status == 412)
        #expect(throws: AWSError.self) { try s3.headObject(bucket: plain, key: "archive/b.jpg") }
    }

    @Test func theTransportStopsReadingPastItsCap() throws {
        let body = [UInt8](repeating: 7, count: 300_000)
        try s3.putObject(bucket: plain, key: "big.bin", body: body)
        let capped = try stack.clients(http: HTTPClient(maxResponseBytes: 100_000)).s3
        let error = #expect(throws: AWSError.self) { try capped.getObject(bucket: plain, key: "big.bin") }
        #expect(error?.kind == .responseTooLarge && error?.isRetryable == false)
        // A range within the cap is read, and small answers are untouched.
        #expect(try capped.getObject(bucket: plain, key: "big.bin", range: 0...99_999).body.count == 100_000)
        #expect(try capped.headObject(bucket: plain, key: "big.bin").size == 300_000)
    }
}
