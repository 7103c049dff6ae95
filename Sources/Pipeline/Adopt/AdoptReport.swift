/// An adopt child's batch, summed: what its `Settled` step returns, or (when any object failed)
/// the message of the `Darkroom.BatchFailed` error it fails with. It lists every object adopted or
/// adopted before, with its image, so that `darkroom adopt` can wait for each image's status.
public struct AdoptBatch: Codable, Sendable, Equatable {
    public var outcomes: [AdoptOutcome]

    public init(_ outcomes: [AdoptOutcome]) {
        self.outcomes = outcomes.map { outcome in
            var outcome = outcome
            outcome.why = outcome.outcome == .failed ? MapRunResults.shortReason(outcome.why) : outcome.why
            return outcome
        }
    }

    public var failed: [AdoptOutcome] { outcomes.filter { $0.outcome == .failed } }
}

/// An adopt run's final report, summed from its map run's results (``MapRunResults``); `darkroom
/// adopt` then adds each image's final status.
public struct AdoptReport: Codable, Sendable, Equatable {
    /// Every object listed, with how it ended.
    public var outcomes: [AdoptOutcome] = []
    /// Child workflows that failed (a batch with a failed object, or one that died).
    public var failedBatches = 0

    public init() {}

    public func count(_ kind: AdoptOutcome.Kind) -> Int { outcomes.filter { $0.outcome == kind }.count }

    /// The images adopted, or adopted before: those whose status the report may tell.
    public var images: [String] { outcomes.compactMap(\.imageId) }

    /// Adds a result file's child executions.
    /// - Throws: `PipelineError` `.fault` when it is not a ResultWriter result file.
    public mutating func add(resultFile: [UInt8]) throws {
        struct Item: Decodable { var Key: String }
        for child in try MapRunResults.children(resultFile) {
            if child.Status != "SUCCEEDED" { failedBatches += 1 }
            if let batch = MapRunResults.summary(child, as: AdoptBatch.self) {
                outcomes += batch.outcomes.map { outcome in
                    var outcome = outcome
                    outcome.why = outcome.why.map { MapRunResults.errorMessage($0) ?? $0 }
                    return outcome
                }
                continue
            }
            // A child that died fails its whole batch, each object with its error (what it copied
            // before it died is adopted, and a run again finds it so).
            for item in MapRunResults.items(child, as: Item.self) {
                outcomes.append(
                    AdoptOutcome(key: item.Key, outcome: .failed, why: MapRunResults.why(child), error: child.Error))
            }
        }
    }
}
