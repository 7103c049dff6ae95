#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// A map run's results as Step Functions' ResultWriter writes them: `manifest.json`, naming the
/// `SUCCEEDED_n.json` and `FAILED_n.json` files, each an array of child executions with their
/// `Input` and `Output`, or `Error` and `Cause`. Both bulk jobs (rederive and adopt) sum their
/// reports from these.
public enum MapRunResults {
    /// One child execution (one batch) of a result file.
    public struct Child: Decodable, Sendable {
        public var Status: String
        public var Input: String?
        public var Output: String?
        public var Error: String?
        public var Cause: String?
    }

    /// The result files `manifest` (a ResultWriter `manifest.json`) names, by status.
    /// - Throws: `PipelineError` `.fault` when it is not one.
    public static func files(_ manifest: [UInt8]) throws -> (succeeded: [String], failed: [String]) {
        struct Manifest: Decodable {
            struct File: Decodable { var Key: String }
            var ResultFiles: [String: [File]]
        }
        guard let read = try? JSONDecoder().decode(Manifest.self, from: Data(manifest)) else {
            throw PipelineError(.fault, "a map run's results manifest is not ResultWriter's manifest.json")
        }
        return (read.ResultFiles["SUCCEEDED"]?.map(\.Key) ?? [], read.ResultFiles["FAILED"]?.map(\.Key) ?? [])
    }

    /// A result file's child executions.
    /// - Throws: `PipelineError` `.fault` when it is not a ResultWriter result file.
    public static func children(_ resultFile: [UInt8]) throws -> [Child] {
        guard let children = try? JSONDecoder().decode([Child].self, from: Data(resultFile)) else {
            throw PipelineError(.fault, "a map run's result file is not an array of child executions")
        }
        return children
    }

    /// What a child's batch summed to: its output when it succeeded, or (a batch that ran to its
    /// end with a failed item) its `Darkroom.BatchFailed` error's message; nil for a child that
    /// died (timed out, a step's retries spent), whose whole batch failed.
    static func summary<Summary: Decodable>(_ child: Child, as: Summary.Type) -> Summary? {
        let text =
            child.Status == "SUCCEEDED"
            ? child.Output : child.Error == "Darkroom.BatchFailed" ? errorMessage(child.Cause) : nil
        return text.flatMap { try? JSONDecoder().decode(Summary.self, from: Data($0.utf8)) }
    }

    /// Why a child that died failed: its error and cause.
    static func why(_ child: Child) -> String {
        [child.Error, errorMessage(child.Cause) ?? child.Cause].compactMap { $0 }.joined(separator: ": ")
    }

    /// The batch a child was given (its input's `Items`), each item as `Item`.
    static func items<Item: Decodable>(_ child: Child, as: Item.Type) -> [Item] {
        child.Input.flatMap { try? JSONDecoder().decode(ChildInput<Item>.self, from: Data($0.utf8)).Items } ?? []
    }

    /// A child's input: its batch.
    private struct ChildInput<Item: Decodable>: Decodable { var Items: [Item] }

    /// A Lambda error's message, from the cause Step Functions gives a failed task
    /// (`{"errorType": ..., "errorMessage": ...}`); nil when the cause is not that.
    public static func errorMessage(_ cause: String?) -> String? {
        struct LambdaCause: Decodable { var errorMessage: String }
        return cause.flatMap { try? JSONDecoder().decode(LambdaCause.self, from: Data($0.utf8)).errorMessage }
    }

    /// A failed item's reason as a batch summary keeps it: the Lambda error's message, cut short.
    /// The whole summary rides in a failed child's cause, which Step Functions keeps to 32,768
    /// characters, and a batch may have 1,000 items.
    static func shortReason(_ why: String?) -> String? {
        why.map { why in
            let message = errorMessage(why) ?? why
            return message.count > reasonLength ? String(message.prefix(reasonLength)) + "…" : message
        }
    }

    /// The most characters of a failed item's reason a batch keeps.
    static let reasonLength = 240
}
