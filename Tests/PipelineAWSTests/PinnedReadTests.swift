import AWSClient
import DarkroomTestSupport
import Foundation
import Pipeline
import Testing
import PipelineAWS

/// Every stage after validate reads the bytes validate checked, at most the byte limit: in S3 (moto,
/// with and without bucket versioning) and in the local folder store.
@Suite(.serialized) struct PinnedReadTests {
    let stack: LocalAWS
    let clients: AWSClients
    let versioned: String
    let plain: String

    init() throws {
        stack = try #require(LocalAWS.stack, "local_aws.py stack did not start")
        clients = try stack.clients()
        versioned = try stack.bucket("pinned-versioned", versioned: true)
        plain = try stack.bucket("pinned-plain")
    }

    /// The upload as validate records it: the HEAD's version id and ETag.
    func checked(_ store: any ObjectStore, _ bucket: String, _ key: String) async throws -> SourceObject {
        let info = try await store.head(bucket: bucket, key: key)
        return SourceObject(bucket: bucket, key: key, versionId: info.versionId, etag: info.etag, size: info.size)
    }

    @Test func aVersionedUploadOverwrittenAfterValidateStillGivesTheCheckedBytes() async throws {
        let store = S3ObjectStore(s3: clients.s3)
        try await store.put(
            bucket: versioned, key: "uploads/p.jpg", bytes: Array("checked".utf8),
            options: PutOptions(contentType: "image/jpeg"))
        let source = try await checked(store, versioned, "uploads/p.jpg")
        #expect(source.versionId != nil)
        try await store.put(
            bucket: versioned, key: "uploads/p.jpg", bytes: Array("swapped, and longer".utf8),
            options: PutOptions(contentType: "image/jpeg"))
        #expect(try await store.get(source, maxBytes: 100) == Array("checked".utf8))
        try await store.copy(
            fromBucket: versioned, fromKey: "uploads/p.jpg", version: source.version, toBucket: versioned,
            toKey: "archive/p.jpg")
        #expect(try await store.get(bucket: versioned, key: "archive/p.jpg") == Array("checked".utf8))
    }

    @Test func anUnversionedUploadOverwrittenAfterValidateFailsWithAClearReason() async throws {
        let store = S3ObjectStore(s3: clients.s3)
        try await store.put(
            bucket: plain, key: "uploads/q.jpg", bytes: Array("checked".utf8),
            options: PutOptions(contentType: "image/jpeg"))
        let source = try await checked(store, plain, "uploads/q.jpg")
        #expect(try await store.get(source, maxBytes: 100) == Array("checked".utf8))
        try await store.put(
            bucket: plain, key: "uploads/q.jpg", bytes: Array("swapped".utf8),
            options: PutOptions(contentType: "image/jpeg"))
        let read = await #expect(throws: PipelineError.self) { try await store.get(source, maxBytes: 100) }
        #expect(
            read?.code == .fault && read?.cause == "source_changed" && read?.reason == nil,
            "\(String(describing: read))")
        let copy = await #expect(throws: PipelineError.self) {
            try await store.copy(
                fromBucket: plain, fromKey: "uploads/q.jpg", version: source.version, toBucket: plain,
                toKey: "archive/q.jpg")
        }
        #expect(copy?.cause == "source_changed")
    }

    @Test func aReadAsksForNoMoreThanTheLimit() async throws {
        let store = S3ObjectStore(s3: clients.s3)
        try await store.put(
            bucket: plain, key: "uploads/big.bin", bytes: [UInt8](repeating: 1, count: 5_000),
            options: PutOptions(contentType: "x/y"))
        let source = try await checked(store, plain, "uploads/big.bin")
        #expect(try await store.get(source, maxBytes: 5_000).count == 5_000)
        let over = await #expect(throws: PipelineError.self) { try await store.get(source, maxBytes: 4_999) }
        #expect(over?.code == .rejected && over?.reason == "too_large")
        try await store.put(bucket: plain, key: "uploads/empty.bin", bytes: [], options: PutOptions(contentType: "x/y"))
        #expect(try await store.get(bucket: plain, key: "uploads/empty.bin", version: nil, maxBytes: 10) == [])
    }

    @Test func theFolderStoreRefusesAChangedFileAndAnOversizedOne() async throws {
        let folder = try TemporaryFolder()
        let store = LocalObjectStore(folders: ["b": folder.path])
        try await store.put(
            bucket: "b", key: "u.jpg", bytes: Array("checked".utf8), options: PutOptions(contentType: "image/jpeg"))
        let source = try await checked(store, "b", "u.jpg")
        #expect(try await store.get(source, maxBytes: 100) == Array("checked".utf8))
        let over = await #expect(throws: PipelineError.self) { try await store.get(source, maxBytes: 3) }
        #expect(over?.reason == "too_large")
        try await store.put(
            bucket: "b", key: "u.jpg", bytes: Array("swapped".utf8), options: PutOptions(contentType: "image/jpeg"))
        let changed = await #expect(throws: PipelineError.self) { try await store.get(source, maxBytes: 100) }
        #expect(changed?.cause == "source_changed")
    }
}
