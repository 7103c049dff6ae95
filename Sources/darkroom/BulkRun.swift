import ArgumentParser
import AWSClient
import FoundationEssentials
import Pipeline
import PipelineAWS

/// One run of the bulk state machine (rederive or adopt) followed from the CLI: started, its map
/// runs' item counts read every `poll` seconds until it ends, then the result files its
/// ResultWriter left in S3, for the job's own report.
struct BulkRun {
    let services: AWSServices
    let stateMachine: String
    /// The command, for what it prints (`rederive`, `adopt`).
    let command: String
    let json: Bool
    let poll: Double

    /// Progress as it is printed: one JSON line each with --json.
    struct Progress: Encodable, Equatable {
        var event = "progress"
        var status: String
        var done: Int
        var failed: Int
        var total: Int
        var perSecond: Double
        var etaSeconds: Double?
    }

    /// How the execution ended, and its map runs' result files.
    struct Ended {
        var execution: String
        var status: String
        var error: String?
        var cause: String?
        var resultFiles: [[UInt8]]
    }

    /// Starts run `name` with `input` (the state machine's input, JSON) and follows it to its end.
    func start(name: String, input: String) async throws -> Ended {
        let stepFunctions = services.clients.stepFunctions
        let execution = try await blocking {
            try stepFunctions.startExecution(stateMachineArn: stateMachine, input: input, name: name, deadline: $0)
        }
        if !json { printError("darkroom \(command): started \(execution)\n") }
        let started = ContinuousClock.now
        var last: Progress?
        var described: StepFunctionsClient.Execution
        var mapRuns: [String] = []
        while true {
            described = try await blocking { try stepFunctions.describeExecution(execution, deadline: $0) }
            mapRuns = try await blocking { try stepFunctions.listMapRuns(executionArn: execution, deadline: $0) }
            var counts = (done: 0, failed: 0, total: 0)
            for arn in mapRuns {
                let run = try await blocking { try stepFunctions.describeMapRun(arn, deadline: $0) }
                counts.done += run.succeeded + run.failed
                counts.failed += run.failed
                counts.total += run.total
            }
            let seconds = max(0.001, milliseconds(since: started) / 1000)
            let rate = Double(counts.done) / seconds
            let progress = Progress(
                status: described.status, done: counts.done, failed: counts.failed, total: counts.total,
                perSecond: rate, etaSeconds: rate > 0 ? Double(counts.total - counts.done) / rate : nil)
            if progress != last { show(progress) }
            last = progress
            if described.status != "RUNNING" { break }
            try await Task.sleep(for: .milliseconds(Int(poll * 1000)))
        }
        if !json && standardErrorIsTerminal { printError("\n") }
        var files: [[UInt8]] = []
        for arn in mapRuns { files += try await resultFiles(arn, name: name) }
        return Ended(
            execution: execution, status: described.status, error: described.error, cause: described.cause,
            resultFiles: files)
    }

    /// A map run's result files: its ResultWriter manifest (`runs/NAME/results/MAP_RUN_ID/manifest.json`
    /// in the archive bucket), then each file it names.
    private func resultFiles(_ mapRun: String, name: String) async throws -> [[UInt8]] {
        guard let id = mapRun.split(separator: ":").last else { return [] }
        let bucket = services.config.archiveBucket
        let manifest: [UInt8]
        do {
            manifest = try await services.objects.get(bucket: bucket, key: "runs/\(name)/results/\(id)/manifest.json")
        } catch let error as PipelineError where error.code == .notFound {
            // A map run stopped before it wrote results (the run was stopped, say).
            return []
        }
        let files = try MapRunResults.files(manifest)
        var read: [[UInt8]] = []
        for key in files.succeeded + files.failed {
            read.append(try await services.objects.get(bucket: bucket, key: key))
        }
        return read
    }

    private func show(_ progress: Progress) {
        if json {
            if let line = try? JSONEncoder().encode(progress) {
                printOutput(String(decoding: line, as: UTF8.self) + "\n")
            }
            return
        }
        guard standardErrorIsTerminal else { return }
        let width = 30
        let filled = progress.total == 0 ? 0 : min(width, progress.done * width / progress.total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = progress.etaSeconds.map { "ETA \(Int($0.rounded())) s" } ?? "ETA -"
        printError(
            "\r[\(bar)] \(progress.done)/\(progress.total) done, \(progress.failed) failed, \(fixed(progress.perSecond, 1))/s, \(eta)  "
        )
    }
}

/// The options both bulk commands (`rederive`, `adopt`) take: where the state machine is, the
/// run's name and own settings, and how it is followed.
struct BulkOptions: ParsableArguments {
    @Option(help: "The bulk state machine (default: DARKROOM_REDERIVE_STATE_MACHINE_ARN, else the stack's).")
    var stateMachine: String?

    @Option(help: "The stack whose RederiveStateMachineArn output to use (default: DARKROOM_STACK_NAME).")
    var stack: String?

    @Option(help: "The run's name (default: the job's name and the time).")
    var name: String?

    @Option(help: "Child workflows at once, for this run (default: the stack's RederiveConcurrency).")
    var concurrency: Int?

    @Option(help: "Images (or objects) per child workflow, for this run (default: the stack's RederiveBatchSize).")
    var batchSize: Int?

    @Option(
        help:
            "Percent of items in failed batches before the run stops, for this run (default: the stack's RederiveToleratedFailurePercent)."
    )
    var toleratedFailurePercent: Double?

    @Option(help: "Seconds between progress reads.")
    var poll: Double = 2

    @Flag(help: "Progress and the report as JSON lines.")
    var json = false

    func validate() throws {
        guard poll > 0 else { throw ValidationError("--poll must be more than 0 seconds") }
        _ = try overrides()
    }

    /// The run's own settings, checked here as the run's first step checks them.
    func overrides() throws -> RederiveManifest.Settings.Overrides {
        let overrides = RederiveManifest.Settings.Overrides(
            maxConcurrency: concurrency, batchSize: batchSize, toleratedFailurePercentage: toleratedFailurePercent)
        do {
            _ = try RederiveManifest.Settings().overridden(by: overrides)
        } catch let error as PipelineError {
            throw ValidationError(error.message)
        }
        return overrides
    }

    /// Starts a run of `job` with `input` (the state machine's input, JSON) and follows it to its end.
    func start(_ job: String, input: String, services: AWSServices, environment: [String: String]) async throws
        -> BulkRun.Ended
    {
        let arn = try await BulkRun.stateMachine(
            given: stateMachine, stack: stack, services: services, environment: environment)
        let run = BulkRun(services: services, stateMachine: arn, command: job, json: json, poll: poll)
        return try await run.start(name: name ?? BulkRun.defaultName(job), input: input)
    }

    /// With --json, the run's report as one line (`{"event": "report", "execution", "status",
    /// "error", "cause", "report"}`); true when it was printed so.
    func printedAsJSON<Report: Encodable>(_ report: Report, _ ended: BulkRun.Ended) -> Bool {
        guard json else { return false }
        let line = ReportLine(
            execution: ended.execution, status: ended.status, error: ended.error, cause: ended.cause, report: report)
        if let data = try? JSONEncoder().encode(line) { printOutput(String(decoding: data, as: UTF8.self) + "\n") }
        return true
    }

    /// A run that did not succeed, as the report's last line says it.
    func printEnd(_ ended: BulkRun.Ended) {
        guard ended.status != "SUCCEEDED" else { return }
        let cause = MapRunResults.errorMessage(ended.cause) ?? ended.cause ?? ""
        printOutput("the run \(ended.status): \(ended.error ?? "") \(cause)\n")
    }
}

/// A bulk run's report as `--json` prints it.
private struct ReportLine<Report: Encodable>: Encodable {
    var event = "report"
    var execution: String
    var status: String
    var error: String?
    var cause: String?
    var report: Report
}

extension BulkRun {
    /// `JOB-YYYYMMDDTHHMMSS-XXXX`: sortable, and unique enough for a name Step Functions
    /// refuses to reuse.
    static func defaultName(_ job: String) -> String {
        let stamp = Timestamp.string(Date()).prefix(19).filter { $0.isNumber || $0 == "T" }
        return "\(job)-\(stamp)-\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
    }

    /// The bulk state machine to start: `--state-machine`, else `DARKROOM_REDERIVE_STATE_MACHINE_ARN`,
    /// else the `RederiveStateMachineArn` output of the stack `--stack` (or `DARKROOM_STACK_NAME`)
    /// names, read from CloudFormation.
    /// - Throws: `ValidationError` when none is given; `PipelineError` when the stack cannot be read
    ///   or has no such output.
    static func stateMachine(given: String?, stack: String?, services: AWSServices, environment: [String: String])
        async throws -> String
    {
        if let arn = given ?? environment["DARKROOM_REDERIVE_STATE_MACHINE_ARN"], !arn.isEmpty { return arn }
        guard let stack = stack ?? environment["DARKROOM_STACK_NAME"], !stack.isEmpty else {
            throw ValidationError(
                "no state machine: give --state-machine, --stack, DARKROOM_REDERIVE_STATE_MACHINE_ARN or DARKROOM_STACK_NAME"
            )
        }
        let cloudFormation = services.clients.cloudFormation
        let outputs = try await blocking { try cloudFormation.outputs(stackName: stack, deadline: $0) }
        guard let arn = outputs["RederiveStateMachineArn"], !arn.isEmpty else {
            throw PipelineError(.notFound, "stack \(stack) has no output RederiveStateMachineArn (is it Darkroom's?)")
        }
        return arn
    }
}

/// A blocking AWS call off the cooperative pool (the clients block on the network).
func blocking<T: Sendable>(_ call: @escaping @Sendable (Date?) throws -> T) async throws -> T {
    do {
        return try await AWSBlocking.run { try call(nil) }
    } catch let error as AWSError {
        throw PipelineError(error)
    }
}
