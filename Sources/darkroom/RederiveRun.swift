import AWSClient
import FoundationEssentials
import Pipeline
import PipelineAWS

/// One rederive run followed from the CLI: started, its map runs' item counts read every `poll`
/// seconds until it ends, then the report summed from the results its ResultWriter left in S3.
struct RederiveRun {
    let services: AWSServices
    let stateMachine: String
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

    /// The end: the execution's status (and its error when it failed) and the report.
    struct Ended: Encodable {
        var event = "report"
        var execution: String
        var status: String
        var error: String?
        var cause: String?
        var report: RederiveReport
    }

    func start(name: String, variants: String?, settings: RederiveManifest.Settings.Overrides) async throws -> Ended {
        // Every path the state machine reads must be there, null or not.
        struct Input: Encodable {
            var variants: String?
            var settings: RederiveManifest.Settings.Overrides

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                if let variants {
                    try c.encode(variants, forKey: .variants)
                } else {
                    try c.encodeNil(forKey: .variants)
                }
                var next = c.nestedContainer(keyedBy: CodingKeys.self, forKey: .next)
                try next.encode(0, forKey: .part)
                try next.encodeNil(forKey: .cursor)
                try c.encode(settings, forKey: .settings)
            }

            enum CodingKeys: String, CodingKey { case variants, next, settings, part, cursor }
        }
        let input = String(
            decoding: try JSONEncoder().encode(Input(variants: variants, settings: settings)), as: UTF8.self)
        let stepFunctions = services.clients.stepFunctions
        let execution = try await blocking {
            try stepFunctions.startExecution(stateMachineArn: stateMachine, input: input, name: name, deadline: $0)
        }
        if !json { printError("darkroom rederive: started \(execution)\n") }
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
        var report = RederiveReport()
        for arn in mapRuns { try await add(results: arn, name: name, to: &report) }
        let ended = Ended(
            execution: execution, status: described.status, error: described.error, cause: described.cause,
            report: report)
        print(ended)
        return ended
    }

    /// A map run's results: its ResultWriter manifest (`runs/NAME/results/MAP_RUN_ID/manifest.json`
    /// in the archive bucket), then each file it names.
    private func add(results mapRun: String, name: String, to report: inout RederiveReport) async throws {
        guard let id = mapRun.split(separator: ":").last else { return }
        let bucket = services.config.archiveBucket
        let manifest: [UInt8]
        do {
            manifest = try await services.objects.get(bucket: bucket, key: "runs/\(name)/results/\(id)/manifest.json")
        } catch let error as PipelineError where error.code == .notFound {
            // A map run stopped before it wrote results (the run was stopped, say).
            return
        }
        let files = try RederiveReport.resultFiles(manifest)
        for key in files.succeeded + files.failed {
            try report.add(resultFile: try await services.objects.get(bucket: bucket, key: key))
        }
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

    private func print(_ ended: Ended) {
        if json {
            if let line = try? JSONEncoder().encode(ended) { printOutput(String(decoding: line, as: UTF8.self) + "\n") }
            return
        }
        let report = ended.report
        printOutput(
            "\(ended.status): \(report.rederived) rederived, \(report.skipped) skipped, \(report.failed.count) failed; \(report.removed) old object(s) removed\n"
        )
        for failure in report.failed {
            printOutput("failed\t\(failure.imageId)\t\(failure.why ?? failure.error ?? "")\n")
        }
        if ended.status != "SUCCEEDED" {
            printOutput("the run \(ended.status): \(ended.error ?? "") \(ended.cause ?? "")\n")
        }
    }
}

/// A blocking AWS call off the cooperative pool (the clients block on the network).
private func blocking<T: Sendable>(_ call: @escaping @Sendable (Date?) throws -> T) async throws -> T {
    do {
        return try await AWSBlocking.run { try call(nil) }
    } catch let error as AWSError {
        throw PipelineError(error)
    }
}
