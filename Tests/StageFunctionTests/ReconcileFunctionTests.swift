import DarkroomTestSupport
import Foundation
import LambdaRuntime
import Pipeline
@testable import StageFunction
import Testing

/// What an invocation of the reconciler may change for its own pass.
@Suite struct ReconcileFunctionTests {
    let configured = ReconcileOptions(uploadsBucket: "uploads", stuckAfter: 600, lookback: 10_800, maxRestarts: 2)

    @Test func theScheduledEventChangesNothing() throws {
        let event = try Data(contentsOf: Paths.repository.appendingPathComponent("events/reconcile.json"))
        #expect(
            ReconcileFunction.options(configured, for: try ReconcileFunction.Request(lambdaEvent: [UInt8](event)))
                == configured)
        #expect(
            ReconcileFunction.options(configured, for: try ReconcileFunction.Request(lambdaEvent: [])) == configured)
    }

    /// A field of the wrong type is an error that names it, never a quiet real pass.
    @Test(arguments: [
        (#"{"dryRun": "true"}"#, "dryRun must be true or false"),
        (#"{"maxRestarts": "0"}"#, "maxRestarts must be a number"),
        (#"{"stuckAfterSeconds": false}"#, "stuckAfterSeconds must be a number"), ("not json", "must be a JSON object"),
    ])
    func aMalformedRequestIsRefused(_ body: String, _ says: String) throws {
        let error = #expect(throws: LambdaError.self) {
            try ReconcileFunction.Request(lambdaEvent: Array(body.utf8))
        }
        #expect(error?.code == .invalidEvent && error?.message.contains(says) == true, "\(String(describing: error))")
    }

    @Test func aManualInvocationNarrowsItsPass() throws {
        let body = Array(#"{"dryRun": true, "maxRestarts": 0, "stuckAfterSeconds": 60, "lookbackSeconds": -5}"#.utf8)
        let options = ReconcileFunction.options(configured, for: try ReconcileFunction.Request(lambdaEvent: body))
        #expect(options.dryRun && options.maxRestarts == 0 && options.stuckAfter == 60 && options.lookback == 0)
        #expect(options.uploadsBucket == configured.uploadsBucket && options.limit == configured.limit)
    }
}
