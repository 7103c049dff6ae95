import ArgumentParser
import FoundationEssentials
import ImageCore
import PixelStages
import Pipeline
import PipelineAWS

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Find uploads the pipeline lost and start them again (or record them FAILED).",
        discussion: """
            Lost means an upload under the prefix with no record (its event never started an \
            execution), or a record left in PROCESSING for longer than --stuck-after \
            (its execution died). Each is started again, at most --max-restarts times; after that it \
            is recorded FAILED with cause "stuck", its variants are withdrawn and the outcome is \
            announced. With --state-machine (or DARKROOM_STATE_MACHINE_ARN) images are started on \
            the state machine; without, they go through the stages in this process. Configured like \
            the functions: DARKROOM_TABLE, DARKROOM_DERIVED_BUCKET, DARKROOM_ARCHIVE_BUCKET, \
            DARKROOM_TOPIC_ARN, DARKROOM_VARIANTS, AWS_REGION and the usual credentials. The \
            scheduled ReconcileFunction of template.yaml runs the same pass every hour.
            """)

    @Argument(help: "Where uploads arrive: s3://BUCKET/PREFIX.")
    var uploads: String

    @Option(help: "The state machine to start images on (default: DARKROOM_STATE_MACHINE_ARN).")
    var stateMachine: String?

    @Option(help: "Seconds without progress after which a record is stuck and an upload without one is lost.")
    var stuckAfter: Double = 600

    @Option(help: "Seconds back that uploads are checked for a missing record.")
    var lookback: Double = 3 * 3_600

    @Option(help: "Restarts of one image before it is recorded FAILED.")
    var maxRestarts = 2

    @Option(help: "Images started again in this pass, at most.")
    var limit = 500

    @Flag(help: "Report what would be done, change nothing.")
    var dryRun = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard S3URI(uploads) != nil else { throw ValidationError("expected s3://BUCKET/PREFIX, got \(uploads)") }
        guard stuckAfter >= 0, lookback >= 0, maxRestarts >= 0, limit >= 1 else {
            throw ValidationError(
                "--stuck-after, --lookback and --max-restarts must not be negative; --limit must be at least 1")
        }
    }

    func run() async throws {
        guard let uri = S3URI(uploads) else { throw ValidationError("expected s3://BUCKET/PREFIX") }
        let environment = ProcessInfo.processInfo.environment
        let options = ReconcileOptions(
            uploadsBucket: uri.bucket, prefix: uri.key, stuckAfter: stuckAfter, lookback: lookback,
            maxRestarts: maxRestarts, limit: limit, dryRun: dryRun)
        let report: ReconcileReport
        do {
            let services = try AWSServices(environment: environment)
            let starter: any ExecutionStarter
            if let arn = stateMachine ?? environment["DARKROOM_STATE_MACHINE_ARN"], !arn.isEmpty {
                starter = StepFunctionsStarter(stepFunctions: services.clients.stepFunctions, stateMachineArn: arn)
            } else {
                try Vips.start(.imageAfterImage)
                starter = FlowStarter(flow: try PipelineFlow.aws(environment: environment, watermark: nil))
            }
            let reconciler = Reconciler(
                objects: services.objects, jobs: services.jobs, runner: services.runner, config: services.config,
                starter: starter, options: options)
            report = try await reconciler.run()
        } catch let error as PipelineError {
            printError("darkroom reconcile: \(error)\n")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        for entry in report.entries {
            print(
                "\(entry.action.rawValue)\t\(entry.found)\t\(entry.imageId)\t\(entry.key)\t(restarts: \(entry.restarts))"
            )
        }
        print(
            """
            \(report.uploadsChecked) upload(s) checked; \(report.count(.restarted)) started again, \(report.count(.failed)) recorded FAILED, \
            \(report.count(.deferred)) left for the next pass\(dryRun ? " (dry run: nothing changed)" : "")
            """)
    }
}

/// Starts an image again in this process: the whole flow, its outcome recorded as usual.
struct FlowStarter: ExecutionStarter {
    let flow: PipelineFlow

    func start(_ source: SourceObject, attempt: Int) async throws {
        do {
            _ = try await flow.run(ImageJob(source: source, receivedAt: Timestamp.string(Date())))
        } catch let error as PipelineError where error.code != .fault && error.code != .transient {
            // Rejected or already final: recorded by the stages.
        } catch {
            // Recorded FAILED by the flow; the pass goes on with the next image.
            printError("darkroom reconcile: \(source.key): \(error)\n")
        }
    }
}
