import MediaTypes
import Signing
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What one owner may do (docs/api.md, "Quotas"); 0 in any field means no limit of ours.
public struct QuotaLimits: Sendable, Equatable {
    /// Upload forms a day (UTC). A form yields at most one image, so this bounds images a day.
    public var imagesPerDay: Int
    /// Bytes of originals kept (completed images; an erase gives its bytes back).
    public var storedBytes: Int
    /// Uploads between their form and their final status, at once.
    public var inFlight: Int
    /// Upload forms a minute, as a token bucket that holds a minute's worth.
    public var uploadsPerMinute: Int

    public init(imagesPerDay: Int = 0, storedBytes: Int = 0, inFlight: Int = 0, uploadsPerMinute: Int = 0) {
        self.imagesPerDay = max(imagesPerDay, 0)
        self.storedBytes = max(storedBytes, 0)
        self.inFlight = max(inFlight, 0)
        self.uploadsPerMinute = max(uploadsPerMinute, 0)
    }

    public static let unlimited = QuotaLimits()
}

/// An owner's counters, as one item keeps them: the day's forms, the bytes kept, a lease for each
/// upload in flight, and the rate bucket. Every change is computed here, from the item as read,
/// and written back only if the item is still as read (``revision``): no count is lost to a race.
public struct UsageState: Sendable, Equatable, Codable {
    /// The UTC day `imagesToday` counts (yyyy-MM-dd).
    public var day: String
    public var imagesToday: Int
    public var storedBytes: Int
    /// Upload id to the time (Unix seconds) its lease lapses: at its final status, or when it
    /// could no longer be running (the form's expiry and the pipeline's own time limit past).
    public var leases: [String: Int]
    /// Forms the rate bucket holds, and when it was last filled (Unix seconds).
    public var tokens: Double
    public var tokensAt: Double
    /// Changed by every write; a write is made only over the revision it read.
    public var revision: Int

    public init(
        day: String = "", imagesToday: Int = 0, storedBytes: Int = 0, leases: [String: Int] = [:],
        tokens: Double = 0, tokensAt: Double = 0, revision: Int = 0
    ) {
        self.day = day
        self.imagesToday = imagesToday
        self.storedBytes = storedBytes
        self.leases = leases
        self.tokens = tokens
        self.tokensAt = tokensAt
        self.revision = revision
    }

    /// The state as it stands at `now` (seconds since 1970): a new day's count from zero, lapsed
    /// leases dropped, the bucket filled for the time since.
    public func at(_ now: Double, limits: QuotaLimits) -> UsageState {
        var state = self
        let today = Self.dayOf(now)
        if state.day != today {
            state.day = today
            state.imagesToday = 0
        }
        state.leases = state.leases.filter { Double($0.value) > now }
        state.storedBytes = max(state.storedBytes, 0)
        let capacity = Double(limits.uploadsPerMinute)
        if capacity > 0 {
            // A bucket never filled (a new owner) starts full.
            let filled = state.tokensAt == 0 ? capacity : state.tokens + (now - state.tokensAt) * capacity / 60
            state.tokens = min(capacity, max(0, filled))
            state.tokensAt = now
        }
        return state
    }

    /// The state after admitting one more upload (`uploadId`, `bytes` declared, its lease lapsing
    /// at `leaseUntil`), or why it may not be admitted. `self` is the state ``at(_:limits:)`` now.
    public func admitting(
        uploadId: String, bytes: Int, leaseUntil: Int, limits: QuotaLimits, now: Double
    ) -> Result<UsageState, QuotaRefusal> {
        if limits.uploadsPerMinute > 0, tokens < 1 {
            let wait = (1 - tokens) * 60 / Double(limits.uploadsPerMinute)
            return .failure(
                QuotaRefusal(
                    limit: .uploadsPerMinute, used: limits.uploadsPerMinute, allowed: limits.uploadsPerMinute,
                    retryAfter: Self.seconds(wait)))
        }
        if limits.imagesPerDay > 0, imagesToday >= limits.imagesPerDay {
            return .failure(
                QuotaRefusal(
                    limit: .imagesPerDay, used: imagesToday, allowed: limits.imagesPerDay,
                    retryAfter: Self.seconds(Self.nextDay(now) - now)))
        }
        if limits.inFlight > 0, leases.count >= limits.inFlight {
            let soonest = leases.values.min().map { Double($0) - now } ?? 1
            return .failure(
                QuotaRefusal(
                    limit: .inFlight, used: leases.count, allowed: limits.inFlight, retryAfter: Self.seconds(soonest)))
        }
        // Only an erase makes room: no time to wait is given.
        if limits.storedBytes > 0, storedBytes + bytes > limits.storedBytes {
            return .failure(
                QuotaRefusal(limit: .storedBytes, used: storedBytes, allowed: limits.storedBytes, retryAfter: nil))
        }
        var next = self
        next.imagesToday += 1
        if limits.uploadsPerMinute > 0 { next.tokens -= 1 }
        // Leases are kept only under a limit: unlimited, the item would grow with every form.
        if limits.inFlight > 0 { next.leases[uploadId] = leaseUntil }
        next.revision += 1
        return .success(next)
    }

    /// The UTC day of `time` (seconds since 1970), as yyyy-MM-dd: SigV4's date (no calendar or
    /// time zone loaded for a counter's key), punctuated.
    public static func dayOf(_ time: Double) -> String {
        let stamp = Array(AWSTime.amzDate(Date(timeIntervalSince1970: time.rounded(.down))).utf8)
        return String(
            decoding: stamp[0..<4] + [UInt8(ascii: "-")] + stamp[4..<6] + [UInt8(ascii: "-")] + stamp[6..<8],
            as: UTF8.self)
    }

    /// The start of the next UTC day, in seconds since 1970.
    public static func nextDay(_ time: Double) -> Double { ((time / 86_400).rounded(.down) + 1) * 86_400 }

    /// Whole seconds to wait, at least one.
    static func seconds(_ interval: Double) -> Int { max(1, Int(interval.rounded(.up))) }
}

/// Why an upload was refused: which limit, how far along, and when to ask again (nil when only
/// an erase makes room).
public struct QuotaRefusal: Error, Sendable, Equatable {
    public enum Limit: String, Sendable, Codable {
        case imagesPerDay, storedBytes, inFlight, uploadsPerMinute
    }

    public var limit: Limit
    public var used: Int
    public var allowed: Int
    public var retryAfter: Int?

    public init(limit: Limit, used: Int, allowed: Int, retryAfter: Int?) {
        self.limit = limit
        self.used = used
        self.allowed = allowed
        self.retryAfter = retryAfter
    }
}

/// Where owners' counters are kept: one item per owner in the images table (DynamoDB), a file
/// per owner in a folder (locally). Uploads are admitted against them at `POST /v1/uploads`,
/// released at their final status, and an erase gives its bytes back.
public protocol UsageLedger: Sendable {
    /// The owner's counters as they stand at `now` (seconds since 1970); a strongly consistent read.
    func usage(owner: String, limits: QuotaLimits, now: Double) async throws -> UsageState
    /// Counts one more upload of `bytes` for `owner`, unless a limit refuses it.
    /// - Throws: ``QuotaRefusal``; `PipelineError` from the store.
    func admit(owner: String, uploadId: String, bytes: Int, leaseUntil: Int, limits: QuotaLimits, now: Double)
        async throws -> UsageState
    /// The upload reached its final status: its lease ends, and a completed image's original
    /// (`storedBytes`, 0 for any other outcome) is counted as kept.
    func settled(owner: String, uploadId: String, storedBytes: Int) async throws
    /// An image was erased: its original's bytes are no longer kept.
    func freed(owner: String, bytes: Int) async throws
}

extension UsageLedger {
    /// ``UsageLedger/settled(owner:uploadId:storedBytes:)`` for `record`, when it is an API upload
    /// that has just become final; nothing for any other image.
    public func settled(_ record: JobRecord) async throws {
        let (owner, uploadId) = Owner.of(key: record.source.key)
        // An image refused `upload_reused` never held the upload's lease: its claimant does.
        guard let uploadId, record.status.isFinal, record.reason != RejectionReason.uploadReused.rawValue else {
            return
        }
        try await settled(
            owner: owner, uploadId: uploadId, storedBytes: record.status == .completed ? record.source.size : 0)
    }
}
