#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// What the reconciler looks at and how far it goes.
public struct ReconcileOptions: Sendable, Equatable {
    /// The bucket uploads arrive in.
    public var uploadsBucket: String
    /// Only keys under this prefix are uploads.
    public var prefix: String
    /// A record in PROCESSING that has not changed for this long is stuck, and an upload
    /// this old without a record was lost. Longer than the state machine's timeout (300 s), so a
    /// running execution is never started twice.
    public var stuckAfter: TimeInterval
    /// Uploads older than this are not checked for a missing record (each run lists the prefix, and
    /// reads a record for every upload in this window; an hourly run needs a little over an hour).
    public var lookback: TimeInterval
    /// How many times one image is started again before it is recorded FAILED.
    public var maxRestarts: Int
    /// At most this many images are started again per run; the rest wait for the next run, so a
    /// broken pipeline is not flooded.
    public var limit: Int
    /// Report what would be done, change nothing.
    public var dryRun: Bool

    public init(
        uploadsBucket: String, prefix: String = "uploads/", stuckAfter: TimeInterval = 600,
        lookback: TimeInterval = 3 * 3_600,
        maxRestarts: Int = 2, limit: Int = 500, dryRun: Bool = false
    ) {
        self.uploadsBucket = uploadsBucket
        self.prefix = prefix
        self.stuckAfter = stuckAfter
        self.lookback = lookback
        self.maxRestarts = maxRestarts
        self.limit = limit
        self.dryRun = dryRun
    }
}

/// What one reconciliation found and did.
public struct ReconcileReport: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        /// Started again (or would be, in a dry run).
        case restarted
        /// Out of restarts: recorded FAILED with cause `stuck` and announced.
        case failed
        /// Over this run's limit; the next run takes it.
        case deferred
        /// It moved while being looked at; left alone.
        case moved
        /// Final, but its outcome was never announced: announced now.
        case announced
        /// Erased, but the edge was never asked to drop its copies: asked now (found `ERASED`).
        case invalidated
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var imageId: String
        public var key: String
        /// What it was found in: PROCESSING, MISSING (an upload without a record), or a
        /// final status that was never announced.
        public var found: String
        public var action: Action
        /// Restarts so far, this one included.
        public var restarts: Int
    }

    /// Uploads listed within the lookback window.
    public var uploadsChecked = 0
    public var dryRun = false
    public var entries: [Entry] = []

    public func count(_ action: Action) -> Int { entries.filter { $0.action == action }.count }
}

extension ReconcileOptions {
    /// The reconciler's settings from `DARKROOM_UPLOADS_BUCKET` (required), `DARKROOM_UPLOADS_PREFIX`,
    /// `DARKROOM_STUCK_AFTER_SECONDS`, `DARKROOM_RECONCILE_LOOKBACK_SECONDS`, `DARKROOM_MAX_RESTARTS`
    /// and `DARKROOM_RECONCILE_LIMIT`.
    /// - Throws: `PipelineError` `.invalidConfiguration` naming the variable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> ReconcileOptions {
        let settings = EnvironmentSettings(environment)
        var options = ReconcileOptions(uploadsBucket: try settings.required("DARKROOM_UPLOADS_BUCKET"))
        if let prefix = environment["DARKROOM_UPLOADS_PREFIX"] { options.prefix = prefix }
        options.stuckAfter = TimeInterval(
            try settings.number("DARKROOM_STUCK_AFTER_SECONDS", default: Int(options.stuckAfter)))
        options.lookback = TimeInterval(
            try settings.number("DARKROOM_RECONCILE_LOOKBACK_SECONDS", default: Int(options.lookback)))
        options.maxRestarts = try settings.number("DARKROOM_MAX_RESTARTS", default: options.maxRestarts, minimum: 0)
        options.limit = try settings.number("DARKROOM_RECONCILE_LIMIT", default: options.limit)
        return options
    }
}
