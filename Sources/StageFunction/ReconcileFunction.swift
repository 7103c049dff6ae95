#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import AWSClient
import LambdaRuntime
import Pipeline
import PipelineAWS

/// The scheduled reconciler as a Lambda function: each invocation is one ``Reconciler`` pass with
/// the settings from `DARKROOM_*`, which an invocation's event may narrow (see ``Request``).
public enum ReconcileFunction {
    /// Serves the reconciler. Never returns.
    public static func serve() async -> Never {
        await LambdaRuntime.main(
            initialize: { _ in
                let environment = ProcessInfo.processInfo.environment
                let services = try AWSServices(environment: environment, failureLog: JSONLogger.failure)
                guard let arn = environment["DARKROOM_STATE_MACHINE_ARN"], !arn.isEmpty else {
                    throw PipelineError(.invalidConfiguration, "DARKROOM_STATE_MACHINE_ARN is not set")
                }
                // With a CDN, erased images whose invalidation failed are invalidated here.
                let edge = EnvironmentSettings(environment).optional("DARKROOM_CDN_DISTRIBUTION_ID").map {
                    CloudFrontEdgeCache(cloudFront: services.clients.cloudFront, distributionId: $0)
                }
                return Prepared(
                    services: services, options: try ReconcileOptions.fromEnvironment(environment),
                    starter: StepFunctionsStarter(stepFunctions: services.clients.stepFunctions, stateMachineArn: arn),
                    edge: edge, rederive: try .fromEnvironment(environment),
                    adoptBucket: EnvironmentSettings(environment).optional("DARKROOM_ADOPT_BUCKET"),
                    uploadsBucket: EnvironmentSettings(environment).optional("DARKROOM_UPLOADS_BUCKET"))
            },
            event: Request.self,
            handler: { prepared, request, context in
                if let manifest = request.manifest {
                    return try await writeManifest(manifest, prepared, context: context) as any Encodable
                }
                if let adopt = request.adoptPlan {
                    return try plan(adopt, prepared) as any Encodable
                }
                return try await handle(request, prepared, context: context)
            })
    }

    /// What an invocation may change for its own pass (a scheduled event carries none of these).
    struct Request: Decodable, LambdaEvent {
        var dryRun: Bool?
        var maxRestarts: Int?
        var stuckAfterSeconds: Double?
        var lookbackSeconds: Double?
        /// Not a pass: the first step of a rederive run, which writes a part of its manifest
        /// (``RederiveManifest``): `{"manifest": {"run": NAME, "next": {"part": N, "cursor": ID}}}`.
        var manifest: ManifestRequest?
        /// Not a pass: the first step of an adopt run, which checks its source and gives its
        /// settings (``AdoptPlan``): `{"adoptPlan": {"run": NAME, "source": {"bucket", "prefix"}}}`.
        var adoptPlan: AdoptPlanRequest?

        struct ManifestRequest: Decodable {
            var run: String
            var next: RederiveManifest.Next?
            /// What this run changes of the configured settings (`darkroom rederive --batch-size`...).
            var settings: RederiveManifest.Settings.Overrides?
        }

        struct AdoptPlanRequest: Decodable {
            var run: String
            var source: AdoptPlan.Source
            var inventory: AdoptPlan.Location?
            var settings: RederiveManifest.Settings.Overrides?
        }

        enum CodingKeys: String, CodingKey {
            case dryRun, maxRestarts, stuckAfterSeconds, lookbackSeconds, manifest, adoptPlan
        }

        /// - Throws: `LambdaError` `.invalidEvent` for an event that is not a JSON object, or a
        ///   field of the wrong type (`{"dryRun": "true"}` must not quietly run a real pass).
        init(lambdaEvent body: [UInt8]) throws {
            guard body.contains(where: { !$0.isJSONSpace }) else {
                self.init()
                return
            }
            let decoder = JSONDecoder()
            guard (try? decoder.decode([String: JSONValue].self, from: Data(body))) != nil else {
                throw LambdaError(.invalidEvent, "the reconcile event must be a JSON object")
            }
            do {
                self = try decoder.decode(Request.self, from: Data(body))
            } catch let DecodingError.typeMismatch(type, context) {
                let field = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw LambdaError(
                    .invalidEvent,
                    "the reconcile event's \(field) must be \(type == Bool.self ? "true or false" : "a number")")
            }
        }

        init() {}
    }

    struct Prepared: Sendable {
        var services: AWSServices
        var options: ReconcileOptions
        var starter: any ExecutionStarter
        var edge: CloudFrontEdgeCache?
        /// A rederive run's settings, which its manifest step hands on.
        var rederive: RederiveManifest.Settings
        /// The bucket adopt runs may read (`DARKROOM_ADOPT_BUCKET`, the template's AdoptBucket).
        var adoptBucket: String?
        var uploadsBucket: String?
    }

    /// The pass's options: the configured ones, narrowed by what the event asks (negative numbers
    /// count as 0). An event without those fields, the schedule's included, changes nothing.
    static func options(_ configured: ReconcileOptions, for request: Request) -> ReconcileOptions {
        var options = configured
        options.dryRun = request.dryRun ?? options.dryRun
        options.maxRestarts = request.maxRestarts.map { max(0, $0) } ?? options.maxRestarts
        options.stuckAfter = request.stuckAfterSeconds.map { max(0, $0) } ?? options.stuckAfter
        options.lookback = request.lookbackSeconds.map { max(0, $0) } ?? options.lookback
        return options
    }

    static func handle(_ request: Request, _ prepared: Prepared, context: LambdaContext) async throws -> ReconcileReport
    {
        let options = options(prepared.options, for: request)
        let services = prepared.services
        let reconciler = Reconciler(
            objects: services.objects, jobs: services.jobs, runner: services.runner, config: services.config,
            starter: prepared.starter, options: options,
            erased: prepared.edge.map { (catalog: services.catalog, edge: $0) })
        let report: ReconcileReport
        do {
            report = try await Deadline.$current.withValue(context.deadline.addingTimeInterval(-1)) {
                try await reconciler.run()
            }
        } catch {
            throw StageFailure(error)
        }
        for entry in report.entries {
            context.logger.info(
                "reconciled",
                [
                    "imageId": entry.imageId, "key": entry.key, "found": entry.found,
                    "action": entry.action.rawValue, "restarts": String(entry.restarts),
                ])
        }
        context.logger.info(
            "reconcile done",
            [
                "uploadsChecked": String(report.uploadsChecked), "restarted": String(report.count(.restarted)),
                "failed": String(report.count(.failed)), "deferred": String(report.count(.deferred)),
            ])
        return report
    }
}

extension ReconcileFunction {
    /// A part of a rederive run's manifest, written before the invocation's deadline (with a
    /// minute to spare for the write).
    static func writeManifest(_ request: Request.ManifestRequest, _ prepared: Prepared, context: LambdaContext)
        async throws -> RederiveManifest.Part
    {
        let services = prepared.services
        let manifest = RederiveManifest(
            dynamo: services.clients.dynamoDB, table: services.table, objects: services.objects,
            bucket: services.config.archiveBucket)
        do {
            let part = try await manifest.write(
                run: request.run, next: request.next ?? .init(part: 0),
                settings: try prepared.rederive.overridden(by: request.settings),
                until: context.deadline.addingTimeInterval(-60))
            context.logger.info(
                "manifest written", ["key": part.key, "images": String(part.count), "more": String(part.next != nil)])
            return part
        } catch {
            throw StageFailure(error)
        }
    }
}

extension ReconcileFunction {
    /// An adopt run's plan: its source checked, its settings.
    static func plan(_ request: Request.AdoptPlanRequest, _ prepared: Prepared) throws -> AdoptPlan {
        do {
            return try AdoptPlan(
                run: request.run, source: request.source, inventory: request.inventory, allowed: prepared.adoptBucket,
                uploadsBucket: prepared.uploadsBucket, archiveBucket: prepared.services.config.archiveBucket,
                settings: try prepared.rederive.overridden(by: request.settings))
        } catch {
            throw StageFailure(error)
        }
    }
}

extension UInt8 {
    fileprivate var isJSONSpace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
