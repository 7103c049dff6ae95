import DarkroomTestSupport
import Foundation
import Pipeline
import Testing

/// The CLI runs `PipelinePlan`; AWS (and the local stack) run the state machine. Read the state
/// machine and check that the two say the same.
@Suite struct PipelinePlanTests {
    typealias State = [String: Any]

    static func stateMachine() throws -> [String: Any] {
        let data = try Data(contentsOf: Paths.repository.appendingPathComponent("statemachine/pipeline.asl.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A branch's start as the template substitutes it with moderation on (with it off, the
    /// moderation branch is a Pass state: `withModerationOffTheBranchSaysWhatTheStageSays`).
    static func start(_ branch: [String: Any]) throws -> String {
        let start = try #require(branch["StartAt"] as? String)
        return start == "${ModerateStart}" ? "Moderate" : start
    }

    /// The stage a Task state invokes, from its `${ValidateFunctionArn}` parameter.
    static func stage(_ state: State) throws -> StageName {
        let function = try #require((state["Parameters"] as? State)?["FunctionName"] as? String)
        let name = function.replacingOccurrences(of: "${", with: "").replacingOccurrences(of: "FunctionArn}", with: "")
        return try #require(StageName(rawValue: name.lowercased()), "\(function) names no stage")
    }

    /// The state machine's steps from StartAt to its end, following each Choice's Default, and what
    /// a Choice on a flagged moderation skips.
    static func walk(_ machine: [String: Any]) throws -> (
        steps: [[StageName]], skippedWhenFlagged: Set<StageName>, flaggedPath: String?
    ) {
        let states = try #require(machine["States"] as? [String: State])
        var steps: [[StageName]] = []
        var firstStep: [String: Int] = [:]
        var skipTo: (from: Int, to: String, path: String)?
        var name = machine["StartAt"] as? String
        while let current = name, let state = states[current] {
            switch state["Type"] as? String {
            case "Task":
                firstStep[current] = steps.count
                steps.append([try stage(state)])
            case "Parallel":
                firstStep[current] = steps.count
                let branches = try #require(state["Branches"] as? [[String: Any]])
                steps.append(
                    try branches.map { branch in
                        try stage(try #require((branch["States"] as? [String: State])?[try Self.start(branch)]))
                    })
            case "Choice":
                for choice in (state["Choices"] as? [State]) ?? [] {
                    let tests = (choice["And"] as? [State]) ?? [choice]
                    if let flagged = tests.first(where: { $0["StringEquals"] as? String == "flagged" }) {
                        skipTo = (
                            steps.count, try #require(choice["Next"] as? String),
                            try #require(flagged["Variable"] as? String)
                        )
                    }
                }
                name = state["Default"] as? String
                continue
            default:
                name = nil
                continue
            }
            name = state["Next"] as? String
        }
        var skipped = Set<StageName>()
        if let skipTo, let target = firstStep[skipTo.to] {
            for step in steps[skipTo.from..<target] { skipped.formUnion(step) }
        }
        return (steps, skipped, skipTo?.path)
    }

    @Test func thePlanIsTheStateMachinesOrder() throws {
        let walked = try Self.walk(try Self.stateMachine())
        #expect(walked.steps == PipelinePlan.steps)
        #expect(walked.skippedWhenFlagged == PipelinePlan.skippedWhenFlagged)
        // The Choice reads moderate's result by its branch's place in its step.
        let checks = try #require(PipelinePlan.steps.firstIndex { $0.contains(.moderate) })
        let place = try #require(PipelinePlan.steps[checks].firstIndex(of: .moderate))
        #expect(walked.flaggedPath == "$.branches[\(place)].moderation.status")
    }

    /// With the template's Moderation off the branch invokes nothing: its Pass state must leave the
    /// job as the moderate stage does when moderation is off.
    @Test func withModerationOffTheBranchSaysWhatTheStageSays() async throws {
        let states = try #require(try Self.stateMachine()["States"] as? [String: State])
        let branches = try #require(states["Checks"]?["Branches"] as? [[String: Any]])
        let branch = try #require(branches.first { $0["StartAt"] as? String == "${ModerateStart}" })
        let skip = try #require((branch["States"] as? [String: State])?["SkipModeration"])
        #expect(
            skip["Type"] as? String == "Pass" && skip["ResultPath"] as? String == "$.moderation"
                && skip["End"] as? Bool == true)
        let job = ImageJob(source: SourceObject(bucket: "b", key: "k", size: 1), receivedAt: "2026-11-26T10:00:00.000Z")
        let moderation = try #require(try await ModerateStage(moderator: nil, minConfidence: 80).run(job).moderation)
        let stageSays = try JSONSerialization.jsonObject(with: JSONEncoder().encode(moderation)) as? NSDictionary
        #expect(stageSays == (skip["Result"] as? NSDictionary))
    }

    @Test func theWalkSeesAChangedOrder() throws {
        var machine = try Self.stateMachine()
        var states = try #require(machine["States"] as? [String: State])
        var checks = try #require(states["Checks"])
        var branches = try #require(checks["Branches"] as? [[String: Any]])
        branches.reverse()
        checks["Branches"] = branches
        states["Checks"] = checks
        machine["States"] = states
        #expect(try Self.walk(machine).steps != PipelinePlan.steps)
    }
}
