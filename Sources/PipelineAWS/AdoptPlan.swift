import Pipeline

/// The first step of an adopt run (statemachine/rederive.asl.json, `PlanAdoption`, in the reconcile
/// function): the source checked, and what the Distributed Map reads: the listing's bucket and
/// prefix, the run's settings, and where its results go (`runs/RUN/results` in the archive bucket,
/// as a rederive run's).
public struct AdoptPlan: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var bucket: String
        /// The prefix listed ("" for the whole bucket).
        public var prefix: String

        public init(bucket: String, prefix: String) {
            self.bucket = bucket
            self.prefix = prefix
        }
    }

    /// An object in S3 (an inventory report's manifest.json).
    public struct Location: Codable, Sendable, Equatable {
        public var bucket: String
        public var key: String

        public init(bucket: String, key: String) {
            self.bucket = bucket
            self.key = key
        }
    }

    public var run: String
    /// Where the results go (the archive bucket).
    public var bucket: String
    public var results: String
    public var source: Source
    /// The S3 Inventory report of the source bucket to read instead of listing it (its
    /// manifest.json, in the source bucket); nil to list.
    public var inventory: Location?
    public var settings: RederiveManifest.Settings

    /// The plan of run `run` over `source`.
    /// - Throws: `PipelineError` `.invalidConfiguration` for a source other than `allowed` (the
    ///   stack's AdoptBucket, which its roles may read), the uploads bucket (its copies would be
    ///   listed and adopted again), an inventory outside the source bucket (the state machine may
    ///   read that bucket only), or a run name Step Functions would not give.
    public init(
        run: String, source: Source, inventory: Location? = nil, allowed: String?, uploadsBucket: String?,
        archiveBucket: String, settings: RederiveManifest.Settings
    ) throws {
        try RederiveManifest.checkName(run)
        guard let allowed, !allowed.isEmpty else {
            throw PipelineError(
                .invalidConfiguration, "this stack adopts from no bucket: deploy it with AdoptBucket set to the source")
        }
        guard source.bucket == allowed else {
            throw PipelineError(
                .invalidConfiguration,
                "this stack adopts from bucket \(allowed) only (its AdoptBucket parameter), not \(source.bucket)")
        }
        guard source.bucket != uploadsBucket else {
            throw PipelineError(
                .invalidConfiguration, "the uploads bucket cannot be adopted from: its objects are uploads already")
        }
        if let inventory, inventory.bucket != source.bucket || !inventory.key.hasSuffix("manifest.json") {
            throw PipelineError(
                .invalidConfiguration,
                "an inventory is its report's manifest.json in the bucket adopted from (\(source.bucket)), not s3://\(inventory.bucket)/\(inventory.key)"
            )
        }
        self.run = run
        self.bucket = archiveBucket
        self.inventory = inventory
        self.results = "runs/\(run)/results"
        self.source = source
        self.settings = settings
    }

    /// Every field, `inventory` as null when there is none: the state machine's Choice reads it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run, forKey: .run)
        try c.encode(bucket, forKey: .bucket)
        try c.encode(results, forKey: .results)
        try c.encode(source, forKey: .source)
        try c.encode(inventory, forKey: .inventory)
        try c.encode(settings, forKey: .settings)
    }
}
