/// One page of an owner's images, newest first.
public struct ImageListQuery: Sendable, Equatable {
    public var owner: String
    public var status: JobStatus?
    /// The camera as ``ImageMetadata/camera`` names it, matched without regard to case.
    public var camera: String?
    /// Created at or after / at or before (ISO 8601 UTC, as records write times).
    public var from: String?
    public var to: String?
    public var limit: Int
    /// Where the previous page ended (``ImagePage/next``); nil for the first page.
    public var after: [String: String]?

    public init(
        owner: String, status: JobStatus? = nil, camera: String? = nil, from: String? = nil, to: String? = nil,
        limit: Int, after: [String: String]? = nil
    ) {
        self.owner = owner
        self.status = status
        self.camera = camera
        self.from = from
        self.to = to
        self.limit = limit
        self.after = after
    }
}

public struct ImagePage: Sendable {
    public var records: [JobRecord]
    /// Where this page ended, when there may be more.
    public var next: [String: String]?

    public init(records: [JobRecord], next: [String: String]?) {
        self.records = records
        self.next = next
    }
}

public struct SimilarImage: Sendable {
    public var record: JobRecord
    public var distance: Int

    public init(record: JobRecord, distance: Int) {
        self.record = record
        self.distance = distance
    }
}

/// The ways the API finds images: by owner (and status, camera, dates), by upload, by content,
/// by likeness; and how it forgets them. Every lookup goes through a key or an index.
public protocol ImageCatalog: Sendable {
    func record(_ imageId: String) async throws -> JobRecord?
    func list(_ query: ImageListQuery) async throws -> ImagePage
    /// The image made from upload `uploadId` of `owner`: the one holding its claim, else (none
    /// claimed it yet) the newest.
    func upload(owner: String, uploadId: String) async throws -> JobRecord?
    /// A COMPLETED image of `owner` with these bytes (their SHA-256, hex).
    func completed(owner: String, sha256: String) async throws -> JobRecord?
    /// `owner`'s COMPLETED images whose perceptual hash is within `maxDistance` (at most
    /// ``PerceptualBands/maxDistance``) of `phash`, but `excluding`, nearest first (ties by id),
    /// at most `first` of them: only those records are read. Bounded work whatever the owner
    /// holds: each band probe reads at most ``SimilarSearch/itemsPerProbe`` items, the search at
    /// most ``SimilarSearch/itemsRead``.
    func similar(owner: String, to phash: UInt64, maxDistance: Int, excluding: String, first: Int) async throws
        -> [SimilarImage]
    /// Leaves a note that the image is being erased, and whose it was, before any of its objects
    /// go: whatever copies an object of it afterwards (settle's set-aside) finds the note and
    /// removes its copy; whatever copied before, the erase's own listing finds.
    func noteErased(_ record: JobRecord, at time: String) async throws
    /// Removes the record and its index items, leaving a note of whose it was (so that erasing it
    /// again is answered as for its owner, and only for its owner).
    func forget(_ record: JobRecord, at time: String) async throws
    /// The owner of an image that was erased or is being erased (and still remembered as erased);
    /// a strongly consistent read.
    func erasedOwner(_ imageId: String) async throws -> String?
    /// Adds to an erased image's note the CDN invalidation its erase asked for (and takes it off
    /// the list of ``uninvalidated(first:)``).
    func noteInvalidation(_ imageId: String, id: String) async throws
    /// Notes that an erased image's invalidation could not be asked for, so that the reconciler
    /// finds it (``uninvalidated(first:)``) and asks again.
    func noteInvalidationFailed(_ imageId: String, at time: String) async throws
    /// Erased images whose invalidation is still to be asked for, oldest first, at most `first`;
    /// through an index, never a scan.
    func uninvalidated(first: Int) async throws -> [String]
    /// The CDN invalidation an erased image's note holds, if any.
    func erasedInvalidation(_ imageId: String) async throws -> String?
}

/// The bounds of a likeness search (``ImageCatalog/similar(owner:to:maxDistance:excluding:first:)``).
public enum SimilarSearch {
    /// Items one band probe reads (one Query page at most).
    public static let itemsPerProbe = 200
    /// Items the whole search reads, over every probe; probes past it are not sent.
    public static let itemsRead = 4_000
    /// The most results a search answers with, over every page.
    public static let maxResults = 500
}

extension JobRecord {
    /// Whose image this is.
    public var owner: String { Owner.of(key: source.key).owner }
}
