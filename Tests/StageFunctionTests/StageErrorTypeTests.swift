import DarkroomTestSupport
import Foundation
import Pipeline
import StageFunction
import Testing

/// The error types the state machine matches are defined once (``StageErrorType``): every one that
/// the definition, the harness or the end-to-end tests name must be one of them, and every one the
/// functions raise must be matched somewhere in the definition.
@Suite struct StageErrorTypeTests {
    static func named(in files: [URL]) throws -> Set<String> {
        let pattern = try Regex(#"Darkroom\.[A-Z][A-Za-z]+"#)
        var found: Set<String> = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) { found.insert(String(text[match.range])) }
        }
        return found
    }

    static func files(in folder: String, ending suffix: String) throws -> [URL] {
        let url = Paths.repository.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(suffix) }
            .map { url.appendingPathComponent($0) }
    }

    @Test func everyErrorTypeNamedAnywhereIsDefined() throws {
        let defined = Set(StageErrorType.allCases.map(\.rawValue))
        let definition = try Self.named(
            in: ["pipeline", "rederive"].map { Paths.repository.appendingPathComponent("statemachine/\($0).asl.json") })
        let harness = try Self.named(
            in: try Self.files(in: "harness", ending: ".py") + Self.files(in: "Tests/EndToEnd", ending: ".py"))
        #expect(
            !definition.isEmpty && definition.isSubset(of: defined),
            "undefined in the definition: \(definition.subtracting(defined))")
        #expect(harness.isSubset(of: defined), "undefined in the harness or tests: \(harness.subtracting(defined))")
        // The types the definition must decide on by name (Fault and Configuration go to its
        // States.ALL catch, which records FAILED).
        #expect(definition.isSuperset(of: [StageErrorType.rejected, .duplicate, .transient, .failed].map(\.rawValue)))
    }

    @Test func pipelineErrorsMapToTheirTypes() {
        #expect(StageFailure(PipelineError.rejected(.corrupt, "x")).type == .rejected)
        #expect(StageFailure(PipelineError(.conflict, "x")).type == .duplicate)
        #expect(StageFailure(PipelineError(.transient, "x")).type == .transient)
        #expect(StageFailure(PipelineError(.invalidConfiguration, "x")).type == .configuration)
        #expect(StageFailure(PipelineError(.fault, "x")).type == .fault)
        #expect(
            StageErrorType.rejected.isSettled && StageErrorType.duplicate.isSettled && !StageErrorType.fault.isSettled)
    }
}
