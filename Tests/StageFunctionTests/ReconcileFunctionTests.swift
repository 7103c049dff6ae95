import DarkroomTestSupport
import Foundation
import LambdaRuntime
import Pipeline
import PipelineAWS
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

    /// An adopt run's first step: the source checked against the one bucket the stack may adopt
    /// from, before anything is listed; the run's settings with its own overrides.
    @Test func anAdoptPlanReadsOnlyTheStacksAdoptBucket() throws {
        let body = Array(
            #"{"adoptPlan": {"run": "adopt-1", "source": {"bucket": "photos", "prefix": "2019/"}, "settings": {"batchSize": 7}}}"#
                .utf8)
        let request = try #require(try ReconcileFunction.Request(lambdaEvent: body).adoptPlan)
        let settings = try RederiveManifest.Settings().overridden(by: request.settings)
        let plan = try AdoptPlan(
            run: request.run, source: request.source, allowed: "photos", uploadsBucket: "uploads",
            archiveBucket: "archive", settings: settings)
        #expect(plan.results == "runs/adopt-1/results" && plan.bucket == "archive" && plan.source.prefix == "2019/")
        #expect(plan.settings.batchSize == 7 && plan.settings.maxConcurrency == 10)
        #expect(plan.inventory == nil)
        // An inventory is read from the adopt bucket only (the state machine may read nothing else).
        for inventory in [
            AdoptPlan.Location(bucket: "elsewhere", key: "inv/manifest.json"),
            AdoptPlan.Location(bucket: "photos", key: "inv/data.csv.gz"),
        ] {
            #expect(throws: PipelineError.self) {
                try AdoptPlan(
                    run: "adopt-1", source: request.source, inventory: inventory, allowed: "photos",
                    uploadsBucket: "uploads", archiveBucket: "archive", settings: settings)
            }
        }
        let read = try AdoptPlan(
            run: "adopt-1", source: request.source, inventory: .init(bucket: "photos", key: "inv/manifest.json"),
            allowed: "photos", uploadsBucket: "uploads", archiveBucket: "archive", settings: settings)
        #expect(read.inventory?.key == "inv/manifest.json")
        // The state machine's Choice reads `inventory`: it is there, null, when there is none.
        #expect(String(decoding: try JSONEncoder().encode(plan), as: UTF8.self).contains(#""inventory":null"#))
        for (allowed, bucket, run) in [
            ("photos", "elsewhere", "adopt-1"), (nil, "photos", "adopt-1"), ("uploads", "uploads", "adopt-1"),
            ("photos", "photos", "no spaces"),
        ] as [(String?, String, String)] {
            #expect(throws: PipelineError.self) {
                try AdoptPlan(
                    run: run, source: .init(bucket: bucket, prefix: ""), allowed: allowed, uploadsBucket: "uploads",
                    archiveBucket: "archive", settings: settings)
            }
        }
    }
}
