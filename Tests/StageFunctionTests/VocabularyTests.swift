import DarkroomTestSupport
import Foundation
import MediaTypes
import Pipeline
import Testing

/// The words other languages must spell as Swift does: moderation verdicts (the state machine's
/// Pass state and Choice, the page), rejection reasons (the page's sentences, the hostile corpus'
/// expectations) and record statuses (the page, the end-to-end tests' record reads). Each copy is
/// read from its file and held to the Swift definition, as `StageErrorTypeTests` does for error types.
@Suite struct VocabularyTests {
    static func text(_ path: String) throws -> String {
        try String(contentsOf: Paths.repository.appendingPathComponent(path), encoding: .utf8)
    }

    static func captures(_ pattern: String, in text: String) throws -> [String] {
        let regex = try Regex(pattern)
        return text.matches(of: regex).compactMap {
            $0.output.count > 1 ? $0.output[1].substring.map(String.init) : nil
        }
    }

    static func files(in folder: String, ending suffix: String) throws -> [String] {
        let url = Paths.repository.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(suffix) }.sorted()
            .map { "\(folder)/\($0)" }
    }

    let verdicts = Set(ModerationVerdict.allCases.map(\.rawValue))
    let reasons = Set(RejectionReason.allCases.map(\.rawValue))
    let statuses = Set(JobStatus.allCases.map(\.rawValue))

    /// The state machine decides on `flagged` and writes `skipped` when moderation is off.
    @Test func theStateMachineSpeaksInVerdicts() throws {
        let definition = try #require(
            try JSONSerialization.jsonObject(with: Data(Self.text("statemachine/pipeline.asl.json").utf8))
                as? [String: Any])
        var compared: [String] = []
        var written: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if (object["Variable"] as? String)?.hasSuffix("moderation.status") == true,
                    let word = object["StringEquals"] as? String
                {
                    compared.append(word)
                }
                if object["ResultPath"] as? String == "$.moderation",
                    let word = (object["Result"] as? [String: Any])?["status"] as? String
                {
                    written.append(word)
                }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(definition)
        #expect(compared == [ModerationVerdict.flagged.rawValue])
        #expect(written == [ModerationVerdict.skipped.rawValue])
    }

    /// The page has a sentence for every rejection reason (and for a flagged photo), and no other;
    /// it compares moderation and record statuses only with words Swift defines.
    @Test func thePageSpeaksInTheSameWords() throws {
        let app = try Self.text("web/app.js")
        let table = try #require(
            app.firstRange(of: "const REASONS = {").flatMap { start in
                app[start.upperBound...].firstRange(of: "};").map { String(app[start.upperBound..<$0.lowerBound]) }
            })
        let sentences = Set(try Self.captures(#"(?m)^\s+([a-z_]+):"#, in: table))
        #expect(sentences == reasons.union([ModerationVerdict.flagged.rawValue]))
        let moderation = Set(try Self.captures(#"moderation\.status [!=]== "([a-z_]+)""#, in: app))
        #expect(!moderation.isEmpty && moderation.isSubset(of: verdicts), "\(moderation.subtracting(verdicts))")
        let methods: Set = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"]
        var words: Set<String> = []
        for file in try Self.files(in: "web", ending: ".js") {
            words.formUnion(try Self.captures(#""([A-Z_]{5,})""#, in: try Self.text(file)))
        }
        words.subtract(methods)
        #expect(!words.isEmpty && words.isSubset(of: statuses), "\(words.subtracting(statuses))")
    }

    /// The harness and the end-to-end tests read records' statuses and expect rejection reasons in
    /// Swift's words.
    @Test func theHarnessAndTestsSpeakInTheSameWords() throws {
        var read: Set<String> = []
        for file in try Self.files(in: "harness", ending: ".py") + Self.files(in: "Tests/EndToEnd", ending: ".py") {
            read.formUnion(try Self.captures(#"\["status"\]\["S"\] [!=]= "([A-Z_]+)""#, in: try Self.text(file)))
        }
        #expect(!read.isEmpty && read.isSubset(of: statuses), "\(read.subtracting(statuses))")
        let hostile = try Self.text("Tests/EndToEnd/test_hostile.py")
        let expected = try #require(
            hostile.firstRange(of: "REASONS = {").flatMap { start in
                hostile[start.upperBound...].firstIndex(of: "}").map { String(hostile[start.upperBound..<$0]) }
            })
        let named = Set(try Self.captures(#""([a-z_]+)""#, in: expected))
        #expect(!named.isEmpty && named.isSubset(of: reasons), "\(named.subtracting(reasons))")
    }
}
