import ArgumentParser
import FoundationEssentials
import Pipeline
import PipelineAWS

struct AdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Put every object under an S3 prefix through the pipeline, as uploads of the operator's.",
        discussion: """
            Starts an adopt run of the stack's bulk state machine (--state-machine, or \
            DARKROOM_REDERIVE_STATE_MACHINE_ARN, or the RederiveStateMachineArn output of the stack \
            --stack or DARKROOM_STACK_NAME names) over \
            s3://BUCKET/PREFIX, which must be in the stack's AdoptBucket. Each object is copied, \
            server-side, under uploads/adopted/ in the uploads bucket, whose event runs the whole \
            pipeline with the operator as owner. An object adopted before (by any run) is skipped, \
            so running it again adopts only what is new. With --inventory, the bucket's S3 Inventory \
            report (in the same bucket) is read instead of a listing, and only its current objects \
            under the prefix are adopted. It shows the run's progress (a bar on a \
            terminal, JSON lines with --json), then waits (--wait seconds) for each image's final \
            status and prints the report: counts, each rejected or failed object with its reason. \
            Configured like the functions: DARKROOM_TABLE, DARKROOM_DERIVED_BUCKET, \
            DARKROOM_ARCHIVE_BUCKET, DARKROOM_TOPIC_ARN, AWS_REGION and the usual credentials. Exits 1 \
            when an object could not be adopted, an image FAILED or had no final status in time, or \
            the run stopped; REJECTED images (not images, too large, ...) are reported, not errors.
            """)

    @Argument(help: "s3://BUCKET/PREFIX: what to adopt (every object under the prefix).")
    var source: String

    @Option(
        help:
            "An S3 Inventory report of the bucket (s3://BUCKET/.../manifest.json, CSV) to read instead of listing the prefix."
    )
    var inventory: String?

    @OptionGroup var bulk: BulkOptions

    @Option(help: "Seconds to wait, after the run, for the images' final statuses (0: do not wait).")
    var wait: Double = 900

    @Flag(help: "List the prefix, say what a run would adopt and what it would cost; change nothing.")
    var dryRun = false

    func validate() throws {
        _ = try Self.location(source)
        _ = try inventoryLocation()
        if dryRun && inventory != nil {
            throw ValidationError("--dry-run lists the prefix; it reads no inventory (drop --inventory)")
        }
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more seconds") }
    }

    /// The bucket and prefix of `s3://BUCKET/PREFIX`.
    static func location(_ text: String) throws -> AdoptPlan.Source {
        guard text.hasPrefix("s3://") else {
            throw ValidationError("the source must be s3://BUCKET/PREFIX, not \(text)")
        }
        let rest = text.dropFirst("s3://".count)
        let bucket = rest.prefix { $0 != "/" }
        guard !bucket.isEmpty else { throw ValidationError("the source \(text) names no bucket") }
        return AdoptPlan.Source(bucket: String(bucket), prefix: String(rest.dropFirst(bucket.count + 1)))
    }

    /// The inventory's manifest, when one is given.
    func inventoryLocation() throws -> AdoptPlan.Location? {
        guard let inventory else { return nil }
        let location = try Self.location(inventory)
        guard location.prefix.hasSuffix("manifest.json") else {
            throw ValidationError("--inventory is an S3 Inventory report's manifest.json, not \(inventory)")
        }
        return AdoptPlan.Location(bucket: location.bucket, key: location.prefix)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            let services = try AWSServices(environment: environment)
            if dryRun { return try await plan(services, environment) }
            let input = try Self.input(
                source: try Self.location(source), inventory: try inventoryLocation(), settings: try bulk.overrides())
            let ended = try await bulk.start("adopt", input: input, services: services, environment: environment)
            var report = AdoptReport()
            for file in ended.resultFiles { try report.add(resultFile: file) }
            if wait > 0 { try await statuses(of: &report, jobs: services.jobs) }
            print(report, ended)
            let unsettled = report.outcomes.contains {
                $0.outcome == .failed || ($0.imageId != nil && wait > 0 && ($0.status == nil || $0.status == .failed))
            }
            if unsettled || ended.status != "SUCCEEDED" { throw ExitCode(1) }
        } catch let error as PipelineError {
            printError("darkroom adopt: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// The dry run: the prefix listed here, each object checked as a run's step checks it (from its
    /// listing, then its claim in the images table: one read each), nothing written.
    private func plan(_ services: AWSServices, _ environment: [String: String]) async throws {
        let source = try Self.location(source)
        let listed = try await services.objects.list(bucket: source.bucket, prefix: source.prefix)
        var counts = (adopt: 0, before: 0, skip: 0, fail: 0)
        for object in listed {
            let item = AdoptItem(
                bucket: source.bucket, key: object.key, etag: object.etag, size: object.size,
                storageClass: object.storageClass, run: "")
            if let outcome = Adoption.precheck(item) {
                if outcome.outcome == .failed { counts.fail += 1 } else { counts.skip += 1 }
            } else if try await services.jobs.adoption(Adoption.sourceHash(item)) != nil {
                counts.before += 1
            } else {
                counts.adopt += 1
            }
        }
        let settings = try RederiveManifest.Settings.fromEnvironment(environment).overridden(by: try bulk.overrides())
        let cost = AdoptCost(objects: counts.adopt, listed: listed.count, batchSize: settings.batchSize)
        if bulk.json {
            struct Plan: Encodable {
                var event = "plan"
                var adopt: Int
                var adoptedBefore: Int
                var skip: Int
                var fail: Int
                var dollars: Double
                var lines: [String: Double]
            }
            let answer = Plan(
                adopt: counts.adopt, adoptedBefore: counts.before, skip: counts.skip, fail: counts.fail,
                dollars: cost.dollars, lines: Dictionary(cost.lines.map { ($0.what, $0.dollars) }, uniquingKeysWith: +))
            printOutput(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self) + "\n")
            return
        }
        printOutput(
            "dry run: \(counts.adopt) object(s) to adopt, \(counts.before) adopted before, \(counts.skip) to skip, \(counts.fail) that would fail\n"
        )
        for line in cost.lines { printOutput("  \(line.what): $\(fixed(line.dollars, 4))\n") }
        printOutput("  about $\(fixed(cost.dollars, 2)) in all (nothing was changed)\n")
    }

    /// The state machine's input for an adopt run: every path it reads is there, null or not.
    static func input(
        source: AdoptPlan.Source, inventory: AdoptPlan.Location?, settings: RederiveManifest.Settings.Overrides
    ) throws -> String {
        struct Input: Encodable {
            var source: AdoptPlan.Source
            var inventory: AdoptPlan.Location?
            var settings: RederiveManifest.Settings.Overrides

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode("adopt", forKey: .job)
                try c.encode(source, forKey: .source)
                try c.encode(inventory, forKey: .inventory)
                try c.encode(settings, forKey: .settings)
            }

            enum CodingKeys: String, CodingKey { case job, source, inventory, settings }
        }
        let input = Input(source: source, inventory: inventory, settings: settings)
        return String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
    }

    /// Each adopted image's status, read until every one is final or `wait` seconds have passed
    /// (the pipeline runs each copy as its upload event reaches it).
    private func statuses(of report: inout AdoptReport, jobs: any JobStore) async throws {
        let until = ContinuousClock.now + .milliseconds(Int(wait * 1000))
        var pending = Set(report.outcomes.indices.filter { report.outcomes[$0].imageId != nil })
        var last = -1
        while !pending.isEmpty {
            for index in pending {
                guard let imageId = report.outcomes[index].imageId,
                    let record = try await jobs.get(imageId), record.status.isFinal
                else { continue }
                report.outcomes[index].status = record.status
                report.outcomes[index].reason = record.reason ?? record.cause
                pending.remove(index)
            }
            let images = report.images.count
            if images - pending.count != last {
                last = images - pending.count
                showWaiting(final: last, of: images)
            }
            if pending.isEmpty || ContinuousClock.now >= until { break }
            try await Task.sleep(for: .milliseconds(Int(bulk.poll * 1000)))
        }
        if !bulk.json && standardErrorIsTerminal { printError("\n") }
    }

    private func showWaiting(final: Int, of images: Int) {
        if bulk.json {
            printOutput("{\"event\":\"waiting\",\"final\":\(final),\"images\":\(images)}\n")
        } else if standardErrorIsTerminal {
            printError("\rwaiting for the pipeline: \(final)/\(images) images final  ")
        }
    }

    /// The report: one JSON line with --json.
    private func print(_ report: AdoptReport, _ ended: BulkRun.Ended) {
        if bulk.printedAsJSON(report, ended) { return }
        printOutput(
            "\(ended.status): \(report.count(.adopted)) adopted, \(report.count(.skipped)) skipped, \(report.count(.failed)) failed\n"
        )
        if wait > 0 {
            let statuses = Dictionary(grouping: report.outcomes.filter { $0.imageId != nil }, by: { $0.status })
            let counts = statuses.map { "\($0.value.count) \($0.key?.rawValue ?? "without a final status yet")" }
                .sorted()
            if !counts.isEmpty { printOutput("images: \(counts.joined(separator: ", "))\n") }
        }
        for outcome in report.outcomes {
            if outcome.outcome == .failed {
                printOutput("failed\t\(outcome.key)\t\(outcome.why ?? outcome.error ?? "")\n")
            } else if let status = outcome.status, status != .completed {
                printOutput(
                    "\(status.rawValue.lowercased())\t\(outcome.key)\t\(outcome.imageId ?? "")\t\(outcome.reason ?? "")\n"
                )
            }
        }
        bulk.printEnd(ended)
    }
}
