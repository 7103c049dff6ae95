#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Signing

/// One object an adopt run lists (an item of the Distributed Map's `s3:listObjectsV2` reader, with
/// the run's source bucket and name beside it): statemachine/rederive.asl.json, the adopt job.
public struct AdoptItem: Codable, Sendable, Equatable {
    public var bucket: String
    public var key: String
    /// The ETag as the listing gives it (quoted or not).
    public var etag: String?
    public var size: Int
    public var storageClass: String?
    /// The run adopting it: its claim on the object (``AdoptionClaim``).
    public var run: String

    public init(bucket: String, key: String, etag: String?, size: Int, storageClass: String? = nil, run: String) {
        self.bucket = bucket
        self.key = key
        self.etag = etag
        self.size = size
        self.storageClass = storageClass
        self.run = run
    }
}

/// How one object of an adopt run ended: what a child workflow reports for each object of its batch.
public struct AdoptOutcome: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Copied under `uploads/adopted/`: the pipeline takes it from there as an upload.
        case adopted
        /// Nothing to do: adopted before (by this run or another), or not a file (a folder's marker).
        case skipped
        /// It could not be copied (archived in Glacier, too large to copy, gone, or changed since it
        /// was listed); nothing of it was made.
        case failed
    }

    /// The source object's key.
    public var key: String
    public var outcome: Kind
    /// The image it is (adopted, or skipped as adopted before).
    public var imageId: String?
    /// Why it was skipped or failed.
    public var why: String?
    /// For a failure: the error type its step ended with.
    public var error: String?
    /// The image's final status, once the CLI has waited for it (`darkroom adopt`).
    public var status: JobStatus?
    /// Why that status (a rejection's reason, a failure's cause).
    public var reason: String?

    public init(key: String, outcome: Kind, imageId: String? = nil, why: String? = nil, error: String? = nil) {
        self.key = key
        self.outcome = outcome
        self.imageId = imageId
        self.why = why
        self.error = error
    }
}

/// What an adopt run's claim on one source object found (``JobStore/claimAdoption(_:run:source:at:)``).
public enum AdoptionClaim: Sendable, Equatable {
    /// The run holds the object: it may copy it.
    case claimed
    /// It was adopted before, as this image.
    case adopted(imageId: String)
    /// Another run claimed it a moment ago and has not finished with it.
    case busy(run: String)

    /// How long a claim that never finished (its run died) keeps another run off the object.
    public static let staleAfter: TimeInterval = 15 * 60
}

/// The adopt job's step for one object (docs/deploying.md, "Adopt"): an existing object is put
/// through the whole pipeline as an upload is, by a server-side copy to
/// `uploads/adopted/HASH.EXT` in the uploads bucket, whose event starts the pipeline with the
/// operator as owner (``Owner``). HASH names the source (bucket, key and ETag), so the copy of one
/// source always lands on one key.
///
/// It is idempotent. A claim in the images table (``AdoptionClaim``) keeps two runs off one object,
/// and the adopted image is written on it once copied, so a later run skips it (an image adopted
/// and then erased stays erased). A copy whose answer was lost is found by its key and not made
/// again: a second copy would be a second version, so a second image.
public struct Adoption: Sendable {
    public let jobs: any JobStore
    public let objects: any ObjectStore
    /// Where uploads go (the copies).
    public let uploadsBucket: String

    public init(jobs: any JobStore, objects: any ObjectStore, uploadsBucket: String) {
        self.jobs = jobs
        self.objects = objects
        self.uploadsBucket = uploadsBucket
    }

    /// Where adopted objects are copied to.
    public static let prefix = "uploads/adopted/"
    /// S3's limit for one CopyObject.
    public static let maxCopyBytes = 5 * 1024 * 1024 * 1024
    /// Storage classes whose objects must be restored before they can be read.
    static let unreadableClasses: Set<String> = ["GLACIER", "DEEP_ARCHIVE"]

    /// The key an object is adopted under: the hash of its bucket, key and ETag, and its extension
    /// when it has a short one (`photo.JPG` gives `.jpg`).
    public static func copyKey(_ item: AdoptItem) -> String {
        prefix + sourceHash(item) + fileExtension(item.key)
    }

    /// What names the source, for its copy's key and its claim.
    public static func sourceHash(_ item: AdoptItem) -> String {
        String(Digest.sha256Hex("\(item.bucket)\n\(item.key)\n\(item.etag.map(unquoted) ?? "")").prefix(32))
    }

    static func fileExtension(_ key: String) -> String {
        let name = key.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        let ext = name[name.index(after: dot)...].lowercased()
        guard (1...5).contains(ext.count), ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return ""
        }
        return "." + ext
    }

    /// Adopts one object; its outcome. What the pipeline then makes of the copy (COMPLETED,
    /// REJECTED, ...) is the image's record's to tell.
    /// - Throws: `PipelineError` when the table or a store cannot be reached (the state machine
    ///   retries transient ones); `.invalidConfiguration` for a source bucket other than `allowed`
    ///   (the stack's AdoptBucket), or the uploads bucket itself.
    public func adopt(_ item: AdoptItem, allowed: String?, at time: String) async throws -> AdoptOutcome {
        guard let allowed, !allowed.isEmpty, item.bucket == allowed, item.bucket != uploadsBucket else {
            throw PipelineError(
                .invalidConfiguration,
                "this stack adopts from bucket \(allowed ?? "(none)") only (its AdoptBucket parameter), not \(item.bucket)"
            )
        }
        if item.key.hasSuffix("/") && item.size == 0 {
            return AdoptOutcome(key: item.key, outcome: .skipped, why: "a folder, not a file")
        }
        if let storageClass = item.storageClass, Self.unreadableClasses.contains(storageClass) {
            return AdoptOutcome(
                key: item.key, outcome: .failed, why: "it is in \(storageClass): restore it, then adopt again",
                error: "InvalidObjectState")
        }
        if item.size > Self.maxCopyBytes {
            return AdoptOutcome(
                key: item.key, outcome: .failed, why: "it is larger than 5 GB, more than one copy can move",
                error: "EntityTooLarge")
        }
        let hash = Self.sourceHash(item)
        switch try await jobs.claimAdoption(hash, run: item.run, source: "s3://\(item.bucket)/\(item.key)", at: time) {
        case .adopted(let imageId):
            return AdoptOutcome(key: item.key, outcome: .skipped, imageId: imageId, why: "adopted before")
        case .busy(let run):
            return AdoptOutcome(
                key: item.key, outcome: .failed, why: "run \(run) is adopting it now", error: "Darkroom.Conflict")
        case .claimed:
            break
        }
        let key = Self.copyKey(item)
        let copy: ObjectInfo
        do {
            copy = try await copied(item, to: key)
        } catch let error as PipelineError where error.code == .notFound || error.cause == "source_changed" {
            return AdoptOutcome(
                key: item.key, outcome: .failed, why: "it is gone or changed since it was listed: \(error.message)",
                error: error.cause ?? error.code.rawValue)
        }
        let imageId = ImageJob.imageId(
            for: SourceObject(
                bucket: uploadsBucket, key: key, versionId: copy.versionId, etag: copy.etag, size: copy.size))
        try await jobs.adopted(hash, as: imageId, at: time)
        return AdoptOutcome(key: item.key, outcome: .adopted, imageId: imageId)
    }

    /// The copy: the one already under `key` (a try whose answer was lost made it), else a new one
    /// of the listed bytes (the ETag is matched: bytes written since the listing are not copied).
    private func copied(_ item: AdoptItem, to key: String) async throws -> ObjectInfo {
        if let existing = try await head(key) { return existing }
        try await objects.copy(
            fromBucket: item.bucket, fromKey: item.key, version: ObjectVersion(etag: item.etag.map(unquoted)),
            toBucket: uploadsBucket, toKey: key)
        guard let made = try await head(key) else {
            throw PipelineError(.fault, "the copy of \(item.key) is not at \(key)")
        }
        return made
    }

    private func head(_ key: String) async throws -> ObjectInfo? {
        do {
            return try await objects.head(bucket: uploadsBucket, key: key)
        } catch let error as PipelineError where error.code == .notFound {
            return nil
        }
    }
}

/// An ETag without the quotes S3 puts around it.
private func unquoted(_ etag: String) -> String {
    etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
}
