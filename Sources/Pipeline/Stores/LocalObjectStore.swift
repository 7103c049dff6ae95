#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Signing

/// An object store over folders: each bucket name maps to a folder, each key to a path below it.
/// Writes go to a temporary file that is then renamed, so an interrupted run leaves no half-written
/// object. The ETag of an object is the SHA-256 of its bytes, so a changed file is a new upload.
public struct LocalObjectStore: ObjectStore {
    private let folders: [String: String]

    /// - Parameter folders: bucket name to folder path.
    public init(folders: [String: String]) {
        self.folders = folders.mapValues { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// The file path of a key.
    /// - Throws: `PipelineError` `.invalidConfiguration` for an unknown bucket, `.rejected` for a key
    ///   that would leave its folder.
    public func path(bucket: String, key: String) throws -> String {
        guard let folder = folders[bucket] else {
            throw PipelineError(.invalidConfiguration, "no local folder for bucket \(bucket)")
        }
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }) else {
            throw PipelineError.rejected(.badKey, "the key \(key) leaves its bucket")
        }
        return folder + "/" + parts.joined(separator: "/")
    }

    /// The size from the file system; the ETag (SHA-256 of the bytes) only for files small enough to
    /// be worth hashing (up to 1 GB), so that an oversized input is refused without being read.
    public func head(bucket: String, key: String) async throws -> ObjectInfo {
        let path = try path(bucket: bucket, key: key)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { throw PipelineError(.notFound, "no object \(key) in \(bucket)") }
        let size = (attributes[.size] as? Int) ?? 0
        guard size <= 1_000_000_000 else { return ObjectInfo(key: key, size: size) }
        let bytes = try await get(bucket: bucket, key: key)
        return ObjectInfo(key: key, size: bytes.count, etag: Digest.sha256Hex(bytes))
    }

    /// A folder keeps no versions: a read that names one checks the bytes' SHA-256 (this store's
    /// ETag) instead, so a file changed since validate is refused, not used.
    public func get(bucket: String, key: String, version: ObjectVersion?, maxBytes: Int?) async throws -> [UInt8] {
        let path = try path(bucket: bucket, key: key)
        if let maxBytes, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size > maxBytes
        {
            throw PipelineError.tooLarge(key, maxBytes)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError(.notFound, "no object \(key) in \(bucket)")
        }
        let bytes = [UInt8](data)
        if let maxBytes, bytes.count > maxBytes { throw PipelineError.tooLarge(key, maxBytes) }
        if let etag = version?.etag, Digest.sha256Hex(bytes) != etag {
            throw PipelineError.sourceChanged(key, "its SHA-256 is no longer \(etag)")
        }
        return bytes
    }

    public func put(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws {
        let path = try path(bucket: bucket, key: key)
        try Self.writeAtomically(bytes, to: path)
    }

    public func copy(
        fromBucket: String, fromKey: String, version: ObjectVersion?, toBucket: String, toKey: String,
        replacing: PutOptions?
    ) async throws {
        let source = try path(bucket: fromBucket, key: fromKey)
        let destination = try path(bucket: toBucket, key: toKey)
        guard source != destination else { return }
        let bytes = try await get(bucket: fromBucket, key: fromKey, version: version, maxBytes: nil)
        try Self.writeAtomically(bytes, to: destination)
    }

    public func list(bucket: String, prefix: String) async throws -> [ObjectInfo] {
        guard let folder = folders[bucket] else {
            throw PipelineError(.invalidConfiguration, "no local folder for bucket \(bucket)")
        }
        let manager = FileManager.default
        var found: [ObjectInfo] = []
        for name in (try? manager.subpathsOfDirectory(atPath: folder)) ?? [] {
            guard name.hasPrefix(prefix), !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else {
                continue
            }
            guard let attributes = try? manager.attributesOfItem(atPath: folder + "/" + name),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { continue }
            found.append(
                ObjectInfo(
                    key: name, size: (attributes[.size] as? Int) ?? 0,
                    lastModified: attributes[.modificationDate] as? Date))
        }
        return found.sorted { $0.key < $1.key }
    }

    /// A folder keeps no versions: the file is removed.
    public func delete(bucket: String, key: String, versionId: String?) async throws {
        let path = try path(bucket: bucket, key: key)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    }

    /// A folder keeps no versions: the file, or every file under the prefix.
    @discardableResult
    public func eraseAll(bucket: String, key: String, isPrefix: Bool) async throws -> Int {
        guard isPrefix else {
            let existed = FileManager.default.fileExists(atPath: try path(bucket: bucket, key: key))
            try await delete(bucket: bucket, key: key, versionId: nil)
            return existed ? 1 : 0
        }
        let found = try await list(bucket: bucket, prefix: key)
        for object in found { try await delete(bucket: bucket, key: object.key, versionId: nil) }
        // A prefix that names a folder leaves no empty folder behind.
        if key.hasSuffix("/"), let folder = try? path(bucket: bucket, key: key),
            (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true
        {
            try FileManager.default.removeItem(atPath: folder)
        }
        return found.count
    }

    /// A file written beside `key`'s path (``temporaryPath(bucket:key:)``) becomes the object, by
    /// a rename: the bytes are never read into memory. - Throws: `PipelineError` `.fault`.
    public func adopt(_ temporary: String, bucket: String, key: String) throws {
        let path = try path(bucket: bucket, key: key)
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PipelineError(.fault, "cannot rename \(temporary) to \(path)")
        }
    }

    /// A new temporary file's path in `key`'s folder (made), for ``adopt(_:bucket:key:)``.
    public func temporaryPath(bucket: String, key: String) throws -> String {
        let path = try path(bucket: bucket, key: key)
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/.tmp-" + UUID().uuidString
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`.
    /// - Throws: `PipelineError` `.fault` when the folder or file cannot be written.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.tmp-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw PipelineError(.fault, "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PipelineError(.fault, "cannot rename \(temporary) to \(path)")
        }
    }
}
