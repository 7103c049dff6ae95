import Foundation
import Pipeline
import DarkroomTestSupport
import Testing

@Suite struct LocalObjectStoreTests {
    @Test func putGetHeadListDelete() async throws {
        let folder = try TemporaryFolder()
        let store = LocalObjectStore(folders: ["b": folder.path])
        try await store.put(bucket: "b", key: "a/b/c.bin", bytes: [1, 2, 3], options: PutOptions(contentType: "x/y"))
        #expect(try await store.get(bucket: "b", key: "a/b/c.bin") == [1, 2, 3])
        let info = try await store.head(bucket: "b", key: "a/b/c.bin")
        #expect(info.size == 3 && info.etag == ContentHash.sha256Hex([1, 2, 3]))
        #expect(try await store.list(bucket: "b", prefix: "a/").map(\.key) == ["a/b/c.bin"])
        // No temporary file is left beside a written object.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a/b") == ["c.bin"])
        try await store.delete(bucket: "b", key: "a/b/c.bin")
        let missing = await #expect(throws: PipelineError.self) { try await store.get(bucket: "b", key: "a/b/c.bin") }
        #expect(missing?.code == .notFound)
    }

    @Test func keysCannotLeaveTheirFolder() async throws {
        let folder = try TemporaryFolder()
        let store = LocalObjectStore(folders: ["b": folder.path])
        await #expect(throws: PipelineError.self) {
            try await store.put(bucket: "b", key: "../escape", bytes: [1], options: PutOptions(contentType: "x"))
        }
        await #expect(throws: PipelineError.self) { try await store.get(bucket: "nope", key: "k") }
    }
}
