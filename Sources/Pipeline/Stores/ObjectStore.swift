#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// What is known of a stored object without reading it.
public struct ObjectInfo: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var etag: String?
    public var versionId: String?
    public var contentType: String?
    /// When it was written (listings give it; the reconciler goes by it).
    public var lastModified: Date?
    /// Its storage class, when a listing gives it (S3's).
    public var storageClass: String?

    public init(
        key: String, size: Int, etag: String? = nil, versionId: String? = nil, contentType: String? = nil,
        lastModified: Date? = nil, storageClass: String? = nil
    ) {
        self.key = key
        self.size = size
        self.etag = etag
        self.versionId = versionId
        self.contentType = contentType
        self.lastModified = lastModified
        self.storageClass = storageClass
    }
}

/// How an object is written.
public struct PutOptions: Sendable, Equatable {
    public var contentType: String
    /// `Cache-Control`; variants are immutable (their key names their content) so they cache for a year.
    public var cacheControl: String?
    /// User metadata (`x-amz-meta-*`).
    public var metadata: [String: String]

    public init(contentType: String, cacheControl: String? = nil, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.metadata = metadata
    }

    /// Cache-Control for published variants.
    public static let immutable = "public, max-age=31536000, immutable"
}

/// Which stored bytes a read or copy means: the object version validate checked (an S3 version id,
/// when the bucket keeps versions), or else the bytes whose ETag it saw. A key overwritten after
/// validate then cannot feed later stages other bytes: a read names the version, or fails.
public struct ObjectVersion: Sendable, Equatable {
    public var versionId: String?
    public var etag: String?

    public init(versionId: String? = nil, etag: String? = nil) {
        self.versionId = versionId
        self.etag = etag
    }
}

/// Object storage: S3 in AWS, a folder locally.
public protocol ObjectStore: Sendable {
    /// - Throws: `PipelineError` `.notFound` when there is no such object.
    func head(bucket: String, key: String) async throws -> ObjectInfo
    /// The object, or the version of it that `version` names.
    /// - Parameter maxBytes: the most bytes wanted: only that much (and one byte more) is asked
    ///   for, so an object that grew after its size was checked cannot fill memory.
    /// - Throws: `PipelineError` `.notFound` when there is no such object; `.rejected`
    ///   (`too_large`) past `maxBytes`; `.fault` (`source_changed`) when `version` names bytes the
    ///   key no longer holds and no version of them is kept.
    func get(bucket: String, key: String, version: ObjectVersion?, maxBytes: Int?) async throws -> [UInt8]
    /// Writes the object whole: readers see the old object or the new one, never a part.
    func put(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws
    /// Copies without downloading (server-side in S3), the version `version` names when given; with
    /// `replacing`, the copy gets that content type and user metadata instead of the source's (a
    /// folder keeps no metadata: it copies the bytes).
    /// - Throws: as `get` for a version that is gone.
    func copy(
        fromBucket: String, fromKey: String, version: ObjectVersion?, toBucket: String, toKey: String,
        replacing: PutOptions?) async throws
    /// Every object under a prefix.
    func list(bucket: String, prefix: String) async throws -> [ObjectInfo]
    /// Removes an object (with `versionId`, that version for good); removing a missing object is
    /// not an error.
    func delete(bucket: String, key: String, versionId: String?) async throws
    /// Removes every version (and delete marker) of `key`, or of every key under it when
    /// `isPrefix`: nothing of it is left to restore. Erasing what is not there is not an error.
    /// - Returns: how many objects (versions) were removed.
    @discardableResult
    func eraseAll(bucket: String, key: String, isPrefix: Bool) async throws -> Int
}

extension ObjectStore {
    /// The whole object, whatever the key holds now.
    public func get(bucket: String, key: String) async throws -> [UInt8] {
        try await get(bucket: bucket, key: key, version: nil, maxBytes: nil)
    }

    /// Removes whatever the key holds now.
    public func delete(bucket: String, key: String) async throws {
        try await delete(bucket: bucket, key: key, versionId: nil)
    }

    /// Copies with the source's metadata: the version `version` names, or whatever the key holds now.
    public func copy(
        fromBucket: String, fromKey: String, version: ObjectVersion? = nil, toBucket: String, toKey: String
    ) async throws {
        try await copy(
            fromBucket: fromBucket, fromKey: fromKey, version: version, toBucket: toBucket, toKey: toKey, replacing: nil
        )
    }

    /// The upload's bytes as validate checked them, at most `maxBytes`.
    public func get(_ source: SourceObject, maxBytes: Int) async throws -> [UInt8] {
        try await get(bucket: source.bucket, key: source.key, version: source.version, maxBytes: maxBytes)
    }
}

extension SourceObject {
    /// The version of the upload validate checked.
    public var version: ObjectVersion { ObjectVersion(versionId: versionId, etag: etag) }
}

extension PipelineError {
    /// The upload's key holds other bytes than validate checked, and those are not kept.
    public static func sourceChanged(_ key: String, _ detail: String) -> PipelineError {
        PipelineError(
            .fault, cause: "source_changed",
            "\(key) was overwritten after validate checked it (\(detail)); the checked bytes are gone")
    }

    /// An object larger than what was asked for.
    public static func tooLarge(_ key: String, _ maxBytes: Int) -> PipelineError {
        .rejected(.tooLarge, "\(key) is larger than \(maxBytes) bytes")
    }
}
