#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import LambdaRuntime
import Pipeline
import PipelineAWS

/// The state machine's catch path as a function of its own, settling what the stages could not:
/// no stage function is on that path, so a broken stage (archive included) cannot keep its failure
/// from being recorded. It takes what a `Catch` hands on (the job, or the upload event when the
/// first stage failed, with the error under `error`):
/// - a rejection (`Darkroom.Rejected`, already recorded REJECTED by the stage that refused it): the
///   original leaves `uploads/` for the quarantine prefix (``UploadSetAside``);
/// - anything else: whatever variants a branch had already written are withdrawn (nothing
///   half-done stays published), the record says FAILED with the cause, and it is announced. A
///   record already final is left alone (only announced, if its announcement had failed).
///
/// The rederive state machine's steps around the variant functions run here too (``rederive``):
/// they read and write the record and remove variants, as this function already may. So do its
/// adopt job's (``adopt``): a copy into `uploads/adopted/` and a claim in the images table.
public enum SettleFunction {
    /// Serves the catch path. Never returns.
    public static func serve() async -> Never {
        await LambdaRuntime.main(
            initialize: { _ in
                try AWSServices(environment: ProcessInfo.processInfo.environment, failureLog: JSONLogger.failure)
            },
            event: StageEvent.self,
            handler: { services, event, context in
                let deadline = context.deadline.addingTimeInterval(-1)
                return try await Deadline.$current.withValue(deadline) {
                    try await handle(event, services: services, context: context)
                }
            })
    }

    /// One caught outcome settled, and the job handed back; or a rederive step, and its answer.
    /// - Throws: `LambdaError` `.invalidEvent` when the event is neither; a
    ///   `StageFailure` when the record or the announcement cannot be written (the state machine
    ///   retries transient ones).
    public static func handle(_ event: StageEvent, services: AWSServices, context: LambdaContext) async throws
        -> any Encodable
    {
        let caught: (job: ImageJob, error: String, cause: String)
        switch event {
        case .caught(let job, let error, let cause): caught = (job, error, cause)
        case .rederivePlan, .rederiveBatch, .rederiveWithdraw, .branches:
            return try await rederive(event, services: services, context: context)
        case .adopt, .adoptBatch:
            return try await adopt(event, services: services, context: context)
        default:
            throw LambdaError(
                .invalidEvent,
                "the settle function takes what a Catch hands on (a job or upload event with an \"error\" field) or a rederive step"
            )
        }
        let (job, error, cause) = caught
        let settlement = Settlement(
            objects: services.objects, runner: services.runner, config: services.config, catalog: services.catalog)
        if StageErrorType(rawValue: error) == .rejected {
            do {
                try await settlement.rejected(job)
            } catch {
                throw StageFailure(error)
            }
            return job
        }
        do {
            try await settlement.failed(job, error: PipelineError(.fault, cause: error, cause.isEmpty ? error : cause))
        } catch {
            throw StageFailure(error)
        }
        context.logger.error("image failed", ["imageId": job.imageId, "error": error, "cause": cause])
        return job
    }

    /// A rederive's steps around the variant stages (statemachine/rederive.asl.json): the plan of
    /// one image (the job to render, or its outcome when there is nothing to do), the commit of
    /// the variant stages' outputs, and the end of a child's batch, which fails the child when any
    /// of its images failed.
    /// - Throws: `StageFailure`; `.batchFailed` with the failed images (as JSON) in its message.
    static func rederive(_ event: StageEvent, services: AWSServices, context: LambdaContext) async throws
        -> any Encodable
    {
        let rederivation = Rederivation(jobs: services.jobs, objects: services.objects, config: services.config)
        return try await bulkStep {
            switch event {
            case .rederivePlan(let imageId, let variants):
                switch try await rederivation.plan(imageId: imageId, variants: variants) {
                case .skip(let outcome): return outcome
                case .render(let job): return job
                }
            case .branches(let jobs):
                let outcome = try await rederivation.commit(try ImageJob.merging(jobs))
                context.logger.info(
                    "rederived", ["imageId": outcome.imageId, "removed": String(outcome.removed ?? 0)])
                return outcome
            case .rederiveWithdraw(let job):
                let removed = try await rederivation.withdraw(job)
                return RederiveOutcome(imageId: job.imageId, outcome: .failed, removed: removed)
            case .rederiveBatch(let outcomes):
                let summary = RederiveBatch(outcomes)
                guard summary.failed.isEmpty else {
                    // The whole summary rides in the message: the run's results keep only a failed
                    // child's error, and the report counts what its other images did.
                    throw StageFailure(
                        type: .batchFailed, message: String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
                }
                return summary
            default:
                throw LambdaError(.invalidEvent, "not a rederive step")
            }
        }
    }

    /// An adopt run's steps (statemachine/rederive.asl.json): one listed object adopted
    /// (``Adoption``), and the end of a child's batch, which fails the child when any of its
    /// objects failed. The source must be the stack's adopt bucket (`DARKROOM_ADOPT_BUCKET`, the
    /// template's AdoptBucket); copies go to `DARKROOM_UPLOADS_BUCKET`.
    /// - Throws: `StageFailure`; `.batchFailed` with the batch (as JSON) in its message.
    static func adopt(_ event: StageEvent, services: AWSServices, context: LambdaContext) async throws
        -> any Encodable
    {
        let environment = ProcessInfo.processInfo.environment
        return try await bulkStep {
            switch event {
            case .adopt(let item):
                guard let uploads = environment["DARKROOM_UPLOADS_BUCKET"], !uploads.isEmpty else {
                    throw PipelineError(.invalidConfiguration, "DARKROOM_UPLOADS_BUCKET is not set")
                }
                let adoption = Adoption(jobs: services.jobs, objects: services.objects, uploadsBucket: uploads)
                let outcome = try await adoption.adopt(
                    item, allowed: environment["DARKROOM_ADOPT_BUCKET"], at: Timestamp.string(Date()))
                context.logger.info(
                    "adopt", ["key": item.key, "outcome": outcome.outcome.rawValue, "imageId": outcome.imageId ?? ""])
                return outcome
            case .adoptBatch(let outcomes):
                let batch = AdoptBatch(outcomes)
                guard batch.failed.isEmpty else {
                    throw StageFailure(type: .batchFailed, message: try batchMessage(batch))
                }
                return batch
            default:
                throw LambdaError(.invalidEvent, "not an adopt step")
            }
        }
    }

    /// A bulk step's failure as the state machine matches it: a `StageFailure` or a `LambdaError`
    /// as it is, anything else as a `StageFailure`.
    private static func bulkStep(_ step: () async throws -> any Encodable) async throws -> any Encodable {
        do {
            return try await step()
        } catch let failure as StageFailure {
            throw failure
        } catch let error as LambdaError {
            throw error
        } catch {
            throw StageFailure(error)
        }
    }

    /// A failed adopt batch as its error's message: the whole batch, which rides in the failed
    /// child's cause (Step Functions keeps 32,768 characters of it). A batch of long keys that
    /// would not fit keeps its failures and its images, each key cut to 200 characters.
    static func batchMessage(_ batch: AdoptBatch) throws -> String {
        let whole = String(decoding: try JSONEncoder().encode(batch), as: UTF8.self)
        guard whole.utf8.count > 30_000 else { return whole }
        let cut = AdoptBatch(
            batch.outcomes.filter { $0.outcome == .failed || $0.imageId != nil }.map {
                var outcome = $0
                outcome.key = String(outcome.key.prefix(200))
                return outcome
            })
        return String(decoding: try JSONEncoder().encode(cut), as: UTF8.self)
    }
}
