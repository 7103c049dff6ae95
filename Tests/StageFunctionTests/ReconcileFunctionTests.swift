import DarkroomTestSupport
import Foundation
import Pipeline
@testable import StageFunction
import Testing

/// What an invocation of the reconciler may change for its own pass.
@Suite struct ReconcileFunctionTests {
    let configured = ReconcileOptions(uploadsBucket: "uploads", stuckAfter: 600, lookback: 10_800, maxRestarts: 2)

    @Test func theScheduledEventChangesNothing() throws {
        let event = try Data(contentsOf: Paths.repository.appendingPathComponent("events/reconcile.json"))
        #expect(ReconcileFunction.options(configured, for: [UInt8](event)) == configured)
        #expect(ReconcileFunction.options(configured, for: Array("not json".utf8)) == configured)
    }

    @Test func aManualInvocationNarrowsItsPass() throws {
        let body = Array(#"{"dryRun": true, "maxRestarts": 0, "stuckAfterSeconds": 60, "lookbackSeconds": -5}"#.utf8)
        let options = ReconcileFunction.options(configured, for: body)
        #expect(options.dryRun && options.maxRestarts == 0 && options.stuckAfter == 60 && options.lookback == 0)
        #expect(options.uploadsBucket == configured.uploadsBucket && options.limit == configured.limit)
    }
}
