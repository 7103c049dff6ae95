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

extension BulkRun {
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
