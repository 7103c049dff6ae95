#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

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
        // Each reason cut short: the whole summary rides in a failed child's cause, which Step
        // Functions keeps to 32,768 characters, and a batch may have 1,000 images.
        failed = outcomes.filter { $0.outcome == .failed }.map { outcome in
            var outcome = outcome
            outcome.why = outcome.why.map { why in
                let message = RederiveReport.errorMessage(why) ?? why
                return message.count > Self.reasonLength ? String(message.prefix(Self.reasonLength)) + "…" : message
            }
            return outcome
        }
    }

    /// The most characters of a failed image's reason a batch keeps.
    static let reasonLength = 240
}

/// A rederive run's final report, summed from its map runs' results as Step Functions' ResultWriter
/// writes them: `manifest.json`, naming the `SUCCEEDED_n.json` and `FAILED_n.json` files, each an
/// array of child executions with their `Input` and `Output`, or `Error` and `Cause`.
public struct RederiveReport: Codable, Sendable, Equatable {
    public var rederived = 0
    public var skipped = 0
    public var removed = 0
    /// Each image that failed, with its reason.
    public var failed: [RederiveOutcome] = []
    /// Child workflows that failed (a batch with a failed image, or one that died).
    public var failedBatches = 0

    public init() {}

    /// The result files `manifest` (a ResultWriter `manifest.json`) names, by status.
    /// - Throws: `PipelineError` `.fault` when it is not one.
    public static func resultFiles(_ manifest: [UInt8]) throws -> (succeeded: [String], failed: [String]) {
        struct Manifest: Decodable {
            struct File: Decodable { var Key: String }
            var ResultFiles: [String: [File]]
        }
        guard let read = try? JSONDecoder().decode(Manifest.self, from: Data(manifest)) else {
            throw PipelineError(.fault, "a map run's results manifest is not ResultWriter's manifest.json")
        }
        return (read.ResultFiles["SUCCEEDED"]?.map(\.Key) ?? [], read.ResultFiles["FAILED"]?.map(\.Key) ?? [])
    }

    /// Adds a result file's child executions.
    /// - Throws: `PipelineError` `.fault` when it is not a ResultWriter result file.
    public mutating func add(resultFile: [UInt8]) throws {
        struct Entry: Decodable {
            var Status: String
            var Input: String?
            var Output: String?
            var Error: String?
            var Cause: String?
        }
        guard let entries = try? JSONDecoder().decode([Entry].self, from: Data(resultFile)) else {
            throw PipelineError(.fault, "a map run's result file is not an array of child executions")
        }
        for entry in entries {
            if entry.Status == "SUCCEEDED", let batch = Self.batch(entry.Output) {
                add(batch)
                continue
            }
            failedBatches += 1
            // A batch that ran to its end lists its failures in its error's message; a child that
            // died (timed out, a step's retries spent) fails its whole batch, each image with its error.
            if entry.Error == "Darkroom.BatchFailed", let batch = Self.batch(Self.errorMessage(entry.Cause)) {
                add(batch)
                continue
            }
            let why = [entry.Error, Self.errorMessage(entry.Cause) ?? entry.Cause].compactMap { $0 }.joined(
                separator: ": ")
            for imageId in Self.imageIds(entry.Input) {
                failed.append(RederiveOutcome(imageId: imageId, outcome: .failed, why: why, error: entry.Error))
            }
        }
    }

    private mutating func add(_ batch: RederiveBatch) {
        rederived += batch.rederived
        skipped += batch.skipped
        removed += batch.removed
        failed += batch.failed.map { outcome in
            var outcome = outcome
            outcome.why = outcome.why.map { Self.errorMessage($0) ?? $0 }
            return outcome
        }
    }

    private static func batch(_ text: String?) -> RederiveBatch? {
        text.flatMap { try? JSONDecoder().decode(RederiveBatch.self, from: Data($0.utf8)) }
    }

    /// A Lambda error's message, from the cause Step Functions gives a failed task
    /// (`{"errorType": ..., "errorMessage": ...}`); nil when the cause is not that.
    static func errorMessage(_ cause: String?) -> String? {
        struct LambdaCause: Decodable { var errorMessage: String }
        return cause.flatMap { try? JSONDecoder().decode(LambdaCause.self, from: Data($0.utf8)).errorMessage }
    }

    /// The images of a child's batch (its input's `Items`).
    static func imageIds(_ input: String?) -> [String] {
        struct Batch: Decodable {
            struct Item: Decodable { var imageId: String }
            var Items: [Item]
        }
        return input.flatMap { try? JSONDecoder().decode(Batch.self, from: Data($0.utf8)).Items.map(\.imageId) } ?? []
    }
}
