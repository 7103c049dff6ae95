#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Signing

/// One object an adopt run lists, with the run's name and prefix beside it
/// (statemachine/rederive.asl.json, the adopt job): an item of the Distributed Map's
/// `s3:listObjectsV2` reader (`{"bucket", "prefix", "run", "listed": {"Key", "Etag", "Size",
/// "StorageClass", ...}}`) or a row of an S3 Inventory report (`{"prefix", "run", "inventory":
/// {"Bucket", "Key", "Size", "ETag", "StorageClass", "IsLatest", "IsDeleteMarker", ...}}`: every
/// value a string, the key URL-encoded, as the report writes them; the columns it lacks are nil).
public struct AdoptItem: Codable, Sendable, Equatable {
    public var bucket: String
    public var key: String
    /// The ETag as the listing gives it (quoted or not).
    public var etag: String?
    public var size: Int
    public var storageClass: String?
    /// The run adopting it: its claim on the object (``AdoptionClaim``).
    public var run: String
    /// Only objects under it are adopted (an inventory lists the whole bucket).
    public var prefix: String?
    /// False for an inventory's row of an older version or a delete marker: not the object as it is.
    public var current: Bool

    public init(
        bucket: String, key: String, etag: String?, size: Int, storageClass: String? = nil, run: String,
        prefix: String? = nil, current: Bool = true
    ) {
        self.bucket = bucket
        self.key = key
        self.etag = etag
        self.size = size
        self.storageClass = storageClass
        self.run = run
        self.prefix = prefix
        self.current = current
    }

    private enum CodingKeys: String, CodingKey {
        case bucket, key, etag, size, storageClass, run, prefix, current, listed, inventory
    }

    /// A listing's item (`s3:listObjectsV2`), as Step Functions gives it.
    private struct Listed: Decodable {
        var Key: String
        var Etag: String?
        var Size: Int
        var StorageClass: String?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        run = try c.decode(String.self, forKey: .run)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        if let row = try c.decodeIfPresent([String: String].self, forKey: .inventory) {
            guard let bucket = row["Bucket"], let key = row["Key"] else {
                throw DecodingError.dataCorruptedError(
                    forKey: .inventory, in: c, debugDescription: "an inventory row without Bucket and Key")
            }
            self.bucket = bucket
            self.key = Self.urlDecoded(key)
            etag = row["ETag"].flatMap { $0.isEmpty ? nil : $0 }
            size = Int(row["Size"] ?? "") ?? 0
            storageClass = row["StorageClass"].flatMap { $0.isEmpty ? nil : $0 }
            current = row["IsLatest"] != "false" && row["IsDeleteMarker"] != "true"
        } else if let listed = try c.decodeIfPresent(Listed.self, forKey: .listed) {
            bucket = try c.decode(String.self, forKey: .bucket)
            key = listed.Key
            etag = listed.Etag
            size = listed.Size
            storageClass = listed.StorageClass
            current = true
        } else {
            bucket = try c.decode(String.self, forKey: .bucket)
            key = try c.decode(String.self, forKey: .key)
            etag = try c.decodeIfPresent(String.self, forKey: .etag)
            size = try c.decode(Int.self, forKey: .size)
            storageClass = try c.decodeIfPresent(String.self, forKey: .storageClass)
            current = try c.decodeIfPresent(Bool.self, forKey: .current) ?? true
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(bucket, forKey: .bucket)
        try c.encode(key, forKey: .key)
        try c.encodeIfPresent(etag, forKey: .etag)
        try c.encode(size, forKey: .size)
        try c.encodeIfPresent(storageClass, forKey: .storageClass)
        try c.encode(run, forKey: .run)
        try c.encodeIfPresent(prefix, forKey: .prefix)
        try c.encode(current, forKey: .current)
    }

    /// A key as an S3 Inventory report writes it, decoded: `%XX` is that byte, `+` a space.
    static func urlDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), input.count >= 2,
                let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
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
        if let outcome = Self.precheck(item) { return outcome }
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
        do {
            let copy = try await copied(item, to: key)
            let imageId = ImageJob.imageId(
                for: SourceObject(
                    bucket: uploadsBucket, key: key, versionId: copy.versionId, etag: copy.etag, size: copy.size))
            try await jobs.adopted(hash, as: imageId, at: time)
            return AdoptOutcome(key: item.key, outcome: .adopted, imageId: imageId)
        } catch {
            // Not adopted: the claim is given back (a retry claims it again; a copy already made
            // is found by its key), then the failure is the outcome or the step's error.
            try? await jobs.releaseAdoption(hash, run: item.run)
            if let error = error as? PipelineError, error.code == .notFound || error.cause == "source_changed" {
                return AdoptOutcome(
                    key: item.key, outcome: .failed, why: "it is gone or changed since it was listed: \(error.message)",
                    error: error.cause ?? error.code.rawValue)
            }
            throw error
        }
    }

    /// The outcome of an object that is not to be copied, known from its listing alone: not the
    /// current object, outside the prefix, a folder's marker, archived, or too large to copy; nil
    /// for one to adopt (unless it was adopted before).
    public static func precheck(_ item: AdoptItem) -> AdoptOutcome? {
        if !item.current {
            return AdoptOutcome(key: item.key, outcome: .skipped, why: "an older version or a delete marker")
        }
        if let prefix = item.prefix, !item.key.hasPrefix(prefix) {
            return AdoptOutcome(key: item.key, outcome: .skipped, why: "outside \(prefix)")
        }
        if item.key.hasSuffix("/") && item.size == 0 {
            return AdoptOutcome(key: item.key, outcome: .skipped, why: "a folder, not a file")
        }
        if let storageClass = item.storageClass, unreadableClasses.contains(storageClass) {
            return AdoptOutcome(
                key: item.key, outcome: .failed, why: "it is in \(storageClass): restore it, then adopt again",
                error: "InvalidObjectState")
        }
        if item.size > maxCopyBytes {
            return AdoptOutcome(
                key: item.key, outcome: .failed, why: "it is larger than 5 GB, more than one copy can move",
                error: "EntityTooLarge")
        }
        return nil
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
