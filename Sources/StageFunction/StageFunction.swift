#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import LambdaRuntime
import Pipeline
import LambdaEvents
import PipelineAWS

/// Everything a stage executable needs: `serve` builds the services once, then answers each
/// invocation by running the stage, through the runner, on whatever the event carries.
public enum StageFunction {
    /// Serves `stage` as a Lambda function. Never returns.
    public static func serve(_ makeStage: @escaping @Sendable (AWSServices) throws -> any Stage) async -> Never {
        await LambdaRuntime.main(
            initialize: { _ in
                let services = try AWSServices(
                    environment: ProcessInfo.processInfo.environment, failureLog: JSONLogger.failure)
                return Prepared(services: services, stage: try makeStage(services))
            },
            event: StageEvent.self,
            handler: { prepared, event, context in
                try await handle(event, stage: prepared.stage, services: prepared.services, context: context)
            })
    }

    struct Prepared: Sendable {
        var services: AWSServices
        var stage: any Stage
    }

    /// One invocation: the stage run on the event's job(s); the output is the job (or jobs, or an
    /// SQS batch's failures) for the runtime to write.
    /// - Throws: `StageFailure` with the `errorType` the state machine matches on.
    public static func handle(_ event: StageEvent, stage: any Stage, services: AWSServices, context: LambdaContext)
        async throws -> any Encodable
    {
        // Leave a second to report before Lambda stops the invocation.
        let deadline = context.deadline.addingTimeInterval(-1)
        return try await Deadline.$current.withValue(deadline) {
            switch event {
            case .job(let job):
                return try await run(stage, job, services, context)
            case .caught, .rederivePlan, .rederiveBatch, .rederiveWithdraw, .adopt, .adoptBatch:
                // Recording a failure is the failure function's (SettleFunction): a stage that
                // is broken must not be the one that records it. A rederive's plan and its
                // batch's outcome, and an adopt run's steps, are the settle function's too.
                throw LambdaError(
                    .invalidEvent,
                    "a stage function takes a job or an upload; the settle function takes caught errors, rederive and adopt steps"
                )
            case .branches(let jobs):
                let merged = try ImageJob.merging(jobs)
                return try await run(stage, merged, services, context)
            case .uploads(let sources):
                var done: [ImageJob] = []
                for source in sources {
                    do {
                        done.append(try await run(stage, newJob(source), services, context))
                    } catch let failure as StageFailure where sources.count > 1 && Self.isSettled(failure) {
                        continue
                    }
                }
                return done.count == 1 && sources.count == 1 ? done[0] as any Encodable : done
            case .queue(let messages):
                var failures: [SQSBatchResponse.Failure] = []
                for message in messages {
                    guard let uploads = message.uploads else {
                        context.logger.error(
                            "an SQS message that is no S3 event was skipped", ["messageId": message.messageId])
                        continue
                    }
                    for source in uploads {
                        do {
                            _ = try await run(stage, newJob(source), services, context)
                        } catch let failure as StageFailure where !Self.isSettled(failure) {
                            failures.append(.init(itemIdentifier: message.messageId))
                            break
                        } catch {
                            continue
                        }
                    }
                }
                return SQSBatchResponse(batchItemFailures: failures)
            }
        }
    }

    /// A rejection or a duplicate is settled: retrying the message would change nothing.
    static func isSettled(_ failure: StageFailure) -> Bool {
        failure.type.isSettled
    }

    static func newJob(_ source: SourceObject) -> ImageJob {
        ImageJob(source: source, receivedAt: Timestamp.string(Date()))
    }

    /// The stage through the runner, logged, measured, its failure typed.
    static func run(_ stage: any Stage, _ job: ImageJob, _ services: AWSServices, _ context: LambdaContext) async throws
        -> ImageJob
    {
        let started = Date()
        let fields = ["imageId": job.imageId, "stage": stage.name.rawValue, "key": job.source.key]
        do {
            let result =
                job.rederive == nil
                ? try await services.runner.run(stage, job) : try await services.runner.rederive(stage, job)
            let milliseconds = Date().timeIntervalSince(started) * 1000
            let bytesOut = result.variants.filter { variant in !job.variants.contains(variant) }.map(\.bytes).reduce(
                0, +)
            context.logger.info("stage done", fields.merging(["durationMs": String(Int(milliseconds))]) { a, _ in a })
            JSONLogger.write(
                StageMetrics.stage(stage.name, durationMs: milliseconds, bytesIn: job.source.size, bytesOut: bytesOut))
            return result
        } catch {
            let failure = StageFailure(error)
            if let pipeline = error as? PipelineError, pipeline.code == .rejected {
                JSONLogger.write(StageMetrics.rejection(stage.name, reason: pipeline.reason ?? "unknown"))
                context.logger.info(
                    "image rejected",
                    fields.merging(["reason": pipeline.reason ?? "", "detail": pipeline.message]) { a, _ in a })
            } else if !isSettled(failure) {
                JSONLogger.write(StageMetrics.fault(stage.name))
                context.logger.error(
                    "stage failed",
                    fields.merging(["errorType": failure.errorType, "error": failure.message]) { a, _ in a })
            } else {
                context.logger.info("already final", fields)
            }
            throw failure
        }
    }
}
