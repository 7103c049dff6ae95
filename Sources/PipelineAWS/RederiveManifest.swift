public import Pipeline
public import AWSClient
#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The first step of a rederive run (statemachine/rederive.asl.json): one part of the run's
/// manifest, a JSON Lines object (`{"imageId": ...}` per COMPLETED image) in the archive bucket
/// under `runs/RUN/`, which the Distributed Map's ItemReader reads. It comes from a Scan of the
/// images table: no index holds every COMPLETED image (`byStatus` drops them on purpose, and
/// `byOwnerStatus` is by owner), and one Scan for a run is cheaper than keeping every completed
/// image in an index for good. A part stops at ``maxPartImages`` or near the invocation's
/// deadline, and names where the next part starts; the state machine loops until none is left.
public struct RederiveManifest: Sendable {
    private let dynamo: DynamoDBClient
    private let table: String
    private let objects: any ObjectStore
    private let bucket: String

    /// The most images one part (one map run) lists.
    public static let maxPartImages = 1_000_000

    public init(dynamo: DynamoDBClient, table: String, objects: any ObjectStore, bucket: String) {
        self.dynamo = dynamo
        self.table = table
        self.objects = objects
        self.bucket = bucket
    }

    /// Where a part starts: its number, and the last image id the part before it read (nil: the
    /// table's start).
    public struct Next: Codable, Sendable, Equatable {
        public var part: Int
        public var cursor: String?

        public init(part: Int, cursor: String? = nil) {
            self.part = part
            self.cursor = cursor
        }
    }

    /// How the run's map runs go, from the template's parameters (the reconcile function's
    /// `DARKROOM_REDERIVE_*`): the Distributed Map reads them from the part (its `...Path` fields).
    public struct Settings: Codable, Sendable, Equatable {
        /// Child workflows at once (`DARKROOM_REDERIVE_CONCURRENCY`, default 10): each renders up
        /// to ten images at once, so 10 children keep 100 invocations of each variant function
        /// busy, the stage functions' reserved concurrency.
        public var maxConcurrency: Int
        /// Images per child (`DARKROOM_REDERIVE_BATCH_SIZE`, default 50).
        public var batchSize: Int
        /// The share of images whose batches may fail before the run stops
        /// (`DARKROOM_REDERIVE_TOLERATED_FAILURE_PERCENT`, default 5).
        public var toleratedFailurePercentage: Double

        public init(maxConcurrency: Int = 10, batchSize: Int = 50, toleratedFailurePercentage: Double = 5) {
            self.maxConcurrency = maxConcurrency
            self.batchSize = batchSize
            self.toleratedFailurePercentage = toleratedFailurePercentage
        }

        /// What a run's input may change: any of the three, each within its range.
        public struct Overrides: Codable, Sendable, Equatable {
            public var maxConcurrency: Int?
            public var batchSize: Int?
            public var toleratedFailurePercentage: Double?

            public init(maxConcurrency: Int? = nil, batchSize: Int? = nil, toleratedFailurePercentage: Double? = nil) {
                self.maxConcurrency = maxConcurrency
                self.batchSize = batchSize
                self.toleratedFailurePercentage = toleratedFailurePercentage
            }
        }

        /// These settings with a run's `overrides`.
        /// - Throws: `PipelineError` `.invalidConfiguration` for a value out of its range.
        public func overridden(by overrides: Overrides?) throws -> Settings {
            guard let overrides else { return self }
            var settings = self
            if let value = overrides.maxConcurrency {
                guard (1...10_000).contains(value) else { throw Self.outOfRange("maxConcurrency", "1 to 10000") }
                settings.maxConcurrency = value
            }
            if let value = overrides.batchSize {
                guard (1...1_000).contains(value) else { throw Self.outOfRange("batchSize", "1 to 1000") }
                settings.batchSize = value
            }
            if let value = overrides.toleratedFailurePercentage {
                guard (0...100).contains(value) else { throw Self.outOfRange("toleratedFailurePercentage", "0 to 100") }
                settings.toleratedFailurePercentage = value
            }
            return settings
        }

        private static func outOfRange(_ name: String, _ range: String) -> PipelineError {
            PipelineError(.invalidConfiguration, "a run's \(name) must be \(range)")
        }

        /// - Throws: `PipelineError` `.invalidConfiguration` naming a variable out of its range.
        public static func fromEnvironment(_ environment: [String: String]) throws -> Settings {
            func read(_ name: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Double {
                guard let text = environment[name], !text.isEmpty else { return fallback }
                guard let value = Double(text), range.contains(value) else {
                    throw PipelineError(
                        .invalidConfiguration,
                        "\(name) must be a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
                }
                return value
            }
            return Settings(
                maxConcurrency: Int(try read("DARKROOM_REDERIVE_CONCURRENCY", 10, 1...10_000)),
                batchSize: Int(try read("DARKROOM_REDERIVE_BATCH_SIZE", 50, 1...1_000)),
                toleratedFailurePercentage: try read("DARKROOM_REDERIVE_TOLERATED_FAILURE_PERCENT", 5, 0...100))
        }
    }

    /// A part written: where it is, where the map run writes its results, how many images it
    /// lists, and where the next part starts (nil: this was the last).
    public struct Part: Codable, Sendable, Equatable {
        public var bucket: String
        public var key: String
        public var results: String
        public var count: Int
        public var next: Next?
        public var settings: Settings
    }

    /// Writes part `next.part` of run `run`'s manifest.
    /// - Throws: `PipelineError` `.invalidConfiguration` for a run name Step Functions would not
    ///   give; AWS faults.
    public func write(run: String, next: Next, settings: Settings, until deadline: Date) async throws -> Part {
        try Self.checkName(run)
        var lines: [UInt8] = []
        var count = 0
        var cursor = next.cursor
        repeat {
            let page = try await page(from: cursor, projection: true)
            for item in page.items {
                guard let imageId = item["imageId"]?.string else { continue }
                lines += Array("{\"imageId\":\"\(imageId)\"}\n".utf8)
                count += 1
            }
            cursor = page.lastKey
        } while cursor != nil && count < Self.maxPartImages && Date() < deadline
        let folder = "runs/\(run)/"
        let number = String(next.part)
        let key = folder + "images-" + String(repeating: "0", count: max(0, 5 - number.count)) + number + ".jsonl"
        try await objects.put(
            bucket: bucket, key: key, bytes: lines, options: PutOptions(contentType: "application/jsonl"))
        return Part(
            bucket: bucket, key: key, results: folder + "results", count: count,
            next: cursor.map { Next(part: next.part + 1, cursor: $0) }, settings: settings)
    }

    /// A run's name as its objects' keys use it (`runs/NAME/`): what Step Functions gives.
    /// - Throws: `PipelineError` `.invalidConfiguration` for any other.
    static func checkName(_ run: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        guard !run.isEmpty, run.count <= 80, run.allSatisfy(allowed.contains) else {
            throw PipelineError(.invalidConfiguration, "a run's name must be letters, digits, - and _")
        }
    }

    /// One page of the table's COMPLETED records, whole, and where the next starts (nil: none);
    /// what `darkroom rederive --dry-run` plans from.
    public func completedRecords(from cursor: String?) async throws -> (records: [JobRecord], cursor: String?) {
        let page = try await page(from: cursor, projection: false)
        return (try page.items.map(DynamoJobStore.record), page.lastKey)
    }

    private func page(from cursor: String?, projection: Bool) async throws
        -> (items: [[String: AttributeValue]], lastKey: String?)
    {
        // Only image records have a status (usage, upload claims and erase notes have none).
        let filter = DynamoDBClient.Expression(
            "#status = :completed AND attribute_exists(job)", names: ["#status": "status"],
            values: [":completed": .s(JobStatus.completed.rawValue)])
        let page = try await awsWork { [dynamo, table] deadline in
            try dynamo.scan(
                table: table, filter: filter, projection: projection ? .init("imageId") : nil,
                startKey: cursor.map { ["imageId": .s($0)] }, deadline: deadline)
        }
        return (page.items, page.lastKey?["imageId"]?.string)
    }
}
