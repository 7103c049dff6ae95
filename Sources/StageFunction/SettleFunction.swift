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

    /// One caught outcome settled, and the job handed back.
    /// - Throws: `LambdaError` `.invalidEvent` when the event carries no caught error; a
    ///   `StageFailure` when the record or the announcement cannot be written (the state machine
    ///   retries transient ones).
    public static func handle(_ event: StageEvent, services: AWSServices, context: LambdaContext) async throws
        -> ImageJob
    {
        guard case .caught(let job, let error, let cause) = event else {
            throw LambdaError(
                .invalidEvent,
                "the settle function takes what a Catch hands on: a job or upload event with an \"error\" field")
        }
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
}
