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

    public init(key: String, size: Int, etag: String? = nil, versionId: String? = nil, contentType: String? = nil,
                lastModified: Date? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.versionId = versionId
        self.contentType = contentType
        self.lastModified = lastModified
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

/// Object storage: S3 in AWS, a folder locally.
public protocol ObjectStore: Sendable {
    /// - Throws: `PipelineError` `.notFound` when there is no such object.
    func head(bucket: String, key: String) async throws -> ObjectInfo
    /// The whole object.
    /// - Throws: `PipelineError` `.notFound` when there is no such object.
    func get(bucket: String, key: String) async throws -> [UInt8]
    /// Writes the object whole: readers see the old object or the new one, never a part.
    func put(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws
    /// Copies without downloading (server-side in S3).
    func copy(fromBucket: String, fromKey: String, toBucket: String, toKey: String) async throws
    /// Every object under a prefix.
    func list(bucket: String, prefix: String) async throws -> [ObjectInfo]
    /// Removes an object; removing a missing object is not an error.
    func delete(bucket: String, key: String) async throws
}
