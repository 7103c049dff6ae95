import ArgumentParser
import FoundationEssentials
import Pipeline
import PipelineAWS

struct RederiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rederive",
        abstract: "Render every COMPLETED image's variants again, on the rederive state machine (Distributed Map).",
        discussion: """
            Starts a run of the stack's rederive state machine (--state-machine, or \
            DARKROOM_REDERIVE_STATE_MACHINE_ARN, or the RederiveStateMachineArn output of the stack \
            --stack or DARKROOM_STACK_NAME names), shows \
            its progress (done, failed, rate, ETA: a bar on a terminal, JSON lines with --json) and \
            prints the final report, each failed image with its reason. Each image's new set is \
            written under new keys, the record is pointed at it in one conditional write, and only \
            then are the old set's objects removed. Images already on the set are skipped, so a run \
            run again resumes. --dry-run plans every image here, changing nothing, and says what a \
            run would do and cost. Configured like the functions: DARKROOM_TABLE, \
            DARKROOM_DERIVED_BUCKET, DARKROOM_ARCHIVE_BUCKET, DARKROOM_TOPIC_ARN, DARKROOM_VARIANTS, \
            AWS_REGION and the usual credentials. Exits 1 when an image failed or the run stopped.
            """)

    @Option(help: "The variant set to render (the spec language of `darkroom variants`; default: the deployed set).")
    var variants: String?

    @OptionGroup var bulk: BulkOptions

    @Flag(help: "Say what a run would do and cost; change nothing.")
    var dryRun = false

    func validate() throws {
        if let variants { _ = try VariantSpec.parseList(variants) }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            let services = try AWSServices(environment: environment)
            if dryRun { return try await plan(services, environment) }
            let ended = try await bulk.start(
                "rederive", input: try Self.input(variants: variants, settings: try bulk.overrides()),
                services: services, environment: environment)
            var report = RederiveReport()
            for file in ended.resultFiles { try report.add(resultFile: file) }
            print(report, ended)
            if !report.failed.isEmpty || ended.status != "SUCCEEDED" { throw ExitCode(1) }
        } catch let error as PipelineError {
            printError("darkroom rederive: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// The state machine's input for a rederive: every path it reads is there, null or not.
    static func input(variants: String?, settings: RederiveManifest.Settings.Overrides) throws -> String {
        struct Input: Encodable {
            var variants: String?
            var settings: RederiveManifest.Settings.Overrides

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode("rederive", forKey: .job)
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

            enum CodingKeys: String, CodingKey { case job, variants, next, settings, part, cursor }
        }
        return String(decoding: try JSONEncoder().encode(Input(variants: variants, settings: settings)), as: UTF8.self)
    }

    /// The report: one JSON line with --json.
    private func print(_ report: RederiveReport, _ ended: BulkRun.Ended) {
        if bulk.printedAsJSON(report, ended) { return }
        printOutput(
            "\(ended.status): \(report.rederived) rederived, \(report.skipped) skipped, \(report.failed.count) failed; \(report.removed) old object(s) removed\n"
        )
        for failure in report.failed {
            printOutput("failed\t\(failure.imageId)\t\(failure.why ?? failure.error ?? "")\n")
        }
        bulk.printEnd(ended)
    }

    /// The dry run: every COMPLETED record read (the same Scan a run's manifest step makes) and
    /// planned as a run would plan it.
    private func plan(_ services: AWSServices, _ environment: [String: String]) async throws {
        let specs = try variants.map(VariantSpec.parseList) ?? services.config.variants
        let manifest = RederiveManifest(
            dynamo: services.clients.dynamoDB, table: services.table, objects: services.objects,
            bucket: services.config.archiveBucket)
        var (images, skipped, bytes) = (0, 0, 0.0)
        var cursor: String?
        repeat {
            let page = try await manifest.completedRecords(from: cursor)
            for record in page.records {
                if case .render = Rederivation.plan(record, specs: specs, layout: services.config.layout) {
                    images += 1
                    bytes += Double(record.source.size)
                } else {
                    skipped += 1
                }
            }
            cursor = page.cursor
        } while cursor != nil
        let settings = try RederiveManifest.Settings.fromEnvironment(environment).overridden(by: try bulk.overrides())
        let cost = RederiveCost(
            images: images, skipped: skipped, batchSize: settings.batchSize,
            originalBytes: images == 0 ? 0 : bytes / Double(images),
            objectsPerImage: specs.map(\.formats.count).reduce(0, +))
        if bulk.json {
            struct Plan: Encodable {
                var event = "plan"
                var rederive: Int
                var skip: Int
                var variants: String
                var dollars: Double
                var lines: [String: Double]
            }
            let answer = Plan(
                rederive: images, skip: skipped, variants: specs.map(\.description).joined(separator: " "),
                dollars: cost.dollars,
                lines: Dictionary(cost.lines.map { ($0.what, $0.dollars) }, uniquingKeysWith: +))
            printOutput(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self) + "\n")
            return
        }
        printOutput(
            "dry run: \(images) image(s) to rederive onto \(specs.count) variant(s), \(skipped) already on it\n")
        for line in cost.lines { printOutput("  \(line.what): $\(fixed(line.dollars, 4))\n") }
        printOutput("  about $\(fixed(cost.dollars, 2)) in all (nothing was changed)\n")
    }
}
