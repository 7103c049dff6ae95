/// A rederive child's batch, summed: what its `Settled` step returns, or (when any image failed)
/// the message of the `Darkroom.BatchFailed` error it fails with.
public struct RederiveBatch: Codable, Sendable, Equatable {
    public var rederived: Int
    public var skipped: Int
    public var removed: Int
    public var failed: [RederiveOutcome]

    public init(_ outcomes: [RederiveOutcome]) {
        rederived = outcomes.filter { $0.outcome == .rederived }.count
        skipped = outcomes.filter { $0.outcome == .skipped }.count
        removed = outcomes.compactMap(\.removed).reduce(0, +)
        failed = outcomes.filter { $0.outcome == .failed }.map { outcome in
            var outcome = outcome
            outcome.why = MapRunResults.shortReason(outcome.why)
            return outcome
        }
    }
}

/// A rederive run's final report, summed from its map runs' results (``MapRunResults``).
public struct RederiveReport: Codable, Sendable, Equatable {
    public var rederived = 0
    public var skipped = 0
    public var removed = 0
    /// Each image that failed, with its reason.
    public var failed: [RederiveOutcome] = []
    /// Child workflows that failed (a batch with a failed image, or one that died).
    public var failedBatches = 0

    public init() {}

    /// Adds a result file's child executions.
    /// - Throws: `PipelineError` `.fault` when it is not a ResultWriter result file.
    public mutating func add(resultFile: [UInt8]) throws {
        struct Item: Decodable { var imageId: String }
        for child in try MapRunResults.children(resultFile) {
            if child.Status != "SUCCEEDED" { failedBatches += 1 }
            if let batch = MapRunResults.summary(child, as: RederiveBatch.self) {
                add(batch)
                continue
            }
            // A child that died fails its whole batch, each image with its error.
            for item in MapRunResults.items(child, as: Item.self) {
                failed.append(
                    RederiveOutcome(
                        imageId: item.imageId, outcome: .failed, why: MapRunResults.why(child), error: child.Error))
            }
        }
    }

    private mutating func add(_ batch: RederiveBatch) {
        rederived += batch.rederived
        skipped += batch.skipped
        removed += batch.removed
        failed += batch.failed.map { outcome in
            var outcome = outcome
            outcome.why = outcome.why.map { MapRunResults.errorMessage($0) ?? $0 }
            return outcome
        }
    }
}
