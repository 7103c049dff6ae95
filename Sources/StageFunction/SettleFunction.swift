#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LambdaRuntime
import Pipeline

/// The state machine's catch path as a function of its own: no stage function is on the failure
/// path, so a broken stage (archive included) cannot keep its failure from being recorded. It takes
/// what a `Catch` hands on (the job, or the upload event when the first stage failed, with the error
/// under `error`), withdraws whatever variants a branch had already written (nothing half-done stays
/// published), records FAILED with the cause and announces it. A record already final is left
/// alone (only announced, if its announcement had failed).
public enum FailureFunction {
    /// Serves the catch path. Never returns.
    public static func serve() async -> Never {
        await LambdaRuntime.main(
            initialize: { _ in try AWSServices(environment: ProcessInfo.processInfo.environment) },
            handler: { services, body, context in
                let deadline = context.deadline.addingTimeInterval(-1)
                return try await Deadline.$current.withValue(deadline) { try await handle(body, services: services, context: context) }
            })
    }

    /// One caught failure: recorded, announced, and the job handed back.
    /// - Throws: `LambdaError` `.invalidEvent` when the event carries no caught error; a
    ///   `StageFailure` when the record or the announcement cannot be written (the state machine
    ///   retries transient ones).
    public static func handle(_ body: [UInt8], services: AWSServices, context: LambdaContext) async throws -> [UInt8] {
        guard case .failure(let job, let error, let cause) = try StageEvent.decode(body) else {
            throw LambdaError(.invalidEvent, "the failure function takes what a Catch hands on: a job or upload event with an \"error\" field")
        }
        do {
            if try await services.jobs.get(job.imageId)?.status.isFinal != true {
                for key in services.config.variantKeys(imageId: job.imageId) {
                    try await services.objects.delete(bucket: services.config.derivedBucket, key: key)
                }
            }
            try await services.runner.fail(job, error: PipelineError(.fault, reason: error, cause.isEmpty ? error : cause))
        } catch {
            throw StageFailure(error)
        }
        context.logger.error("image failed", ["imageId": job.imageId, "error": error, "cause": cause])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(job))
    }
}
