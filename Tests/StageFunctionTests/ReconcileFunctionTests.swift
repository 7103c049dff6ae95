import DarkroomTestSupport
import Foundation
@testable import StageFunction
import Testing

/// What an invocation of the reconciler may change for its own pass.
@Suite struct ReconcileFunctionTests {
    @Test func theScheduledEventChangesNothing() throws {
        let event = try Data(contentsOf: Paths.repository.appendingPathComponent("events/reconcile.json"))
        let request = try JSONDecoder().decode(ReconcileFunction.Request.self, from: event)
        #expect(request.dryRun == nil && request.maxRestarts == nil && request.stuckAfterSeconds == nil && request.lookbackSeconds == nil)
    }

    @Test func aManualInvocationNarrowsItsPass() throws {
        let request = try JSONDecoder().decode(
            ReconcileFunction.Request.self, from: Data(#"{"dryRun": true, "maxRestarts": 0, "stuckAfterSeconds": 60}"#.utf8))
        #expect(request.dryRun == true && request.maxRestarts == 0 && request.stuckAfterSeconds == 60)
    }
}
