import Pipeline
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `GET /v1/me` (the caller's usage against the limits) and the admission of an upload against
/// them (docs/api.md, "Quotas").
extension ImageAPI {
    /// A lease lasts past its form's expiry by this much: the state machine's own limit (300 s)
    /// and room for a late S3 event. A final status ends it sooner.
    static let processingAllowance = 900

    /// Counts the upload `uploadId` (of `bytes`, its form good until `expires`) against the
    /// caller's limits. - Throws: `Problem` 429 `quota_exceeded` or `rate_limited`.
    func admit(_ context: RequestContext, uploadId: String, bytes: Int, expires: Date) async throws {
        guard let usage else { return }
        do {
            _ = try await usage.admit(
                owner: context.owner, uploadId: uploadId, bytes: bytes,
                leaseUntil: Int(expires.timeIntervalSince1970) + Self.processingAllowance, limits: config.quotas,
                now: clock().timeIntervalSince1970)
        } catch let refusal as QuotaRefusal {
            throw Problem(quota: refusal, bytes: bytes)
        }
    }

    struct Meter: Encodable {
        /// nil: not counted (there is no limit to count against).
        var used: Int?
        /// nil: no limit of ours.
        var limit: Int?
    }

    struct MeView: Encodable {
        var owner: String
        var day: String
        var resetsAt: String
        var imagesToday: Meter
        var storedBytes: Meter
        var inFlight: Meter
        var uploadsPerMinute: Meter
    }

    func me(_ context: RequestContext) async throws -> APIResponse {
        let now = clock().timeIntervalSince1970
        let limits = config.quotas
        let state = try await usage?.usage(owner: context.owner, limits: limits, now: now) ?? UsageState()
        func limit(_ value: Int) -> Int? { value > 0 ? value : nil }
        let view = MeView(
            owner: context.owner, day: UsageState.dayOf(now),
            resetsAt: Timestamp.string(Date(timeIntervalSince1970: UsageState.nextDay(now))),
            imagesToday: Meter(used: usage == nil ? nil : state.imagesToday, limit: limit(limits.imagesPerDay)),
            storedBytes: Meter(used: usage == nil ? nil : state.storedBytes, limit: limit(limits.storedBytes)),
            inFlight: Meter(used: limits.inFlight > 0 ? state.leases.count : nil, limit: limit(limits.inFlight)),
            uploadsPerMinute: Meter(
                used: limits.uploadsPerMinute > 0 ? limits.uploadsPerMinute - Int(state.tokens.rounded(.down)) : nil,
                limit: limit(limits.uploadsPerMinute)))
        return .json(200, view, headers: ["Cache-Control": "no-store"])
    }
}

extension Problem {
    /// The answer to an upload a limit refused.
    init(quota refusal: QuotaRefusal, bytes: Int) {
        let detail =
            switch refusal.limit {
            case .uploadsPerMinute:
                "Uploads are limited to \(refusal.allowed) a minute; ask again in \(refusal.retryAfter ?? 1) s."
            case .imagesPerDay:
                "You have asked for \(refusal.used) uploads today, the most a day allows; the count starts again at midnight UTC."
            case .inFlight:
                "\(refusal.used) of your uploads are still in flight, the most at once; ask again when one is done."
            case .storedBytes:
                "Your images keep \(refusal.used) bytes; \(bytes) more would pass the limit of \(refusal.allowed). Erase some to make room."
            }
        self.init(429, refusal.limit == .uploadsPerMinute ? "rate_limited" : "quota_exceeded", detail)
        quota = refusal
    }
}
