import ArgumentParser
import FoundationEssentials
import ImageCore
import Pipeline
import PixelStages

struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Run files and folders (recursively) through the whole pipeline.",
        discussion: """
            Each image goes through validate -> metadata -> resize, thumbnail and moderate (off \
            locally) -> archive. DIR/<imageId>/ then holds its variants, a copy of the original and \
            metadata.json; DIR/index.html is a contact sheet. Exit status 0 when every input ended \
            COMPLETED or REJECTED, 1 when any FAILED.

            With s3://BUCKET/PREFIX instead of paths, every object under the prefix goes through the \
            same stages in this process against AWS (a backfill), configured like the functions: \
            DARKROOM_TABLE, DARKROOM_DERIVED_BUCKET, DARKROOM_ARCHIVE_BUCKET, DARKROOM_TOPIC_ARN, \
            DARKROOM_VARIANTS, ..., AWS_REGION and the usual credentials. --out then only receives \
            the contact sheet.
            """)

    @Argument(help: "Image files or folders, or s3://BUCKET/PREFIX.")
    var paths: [String]

    @Option(name: .shortAndLong, help: "Output folder (for s3:// inputs: where the contact sheet goes).")
    var out: String = "out"

    @Option(help: "Variant spec (as DARKROOM_VARIANTS), default: \(VariantSpec.defaultText)")
    var variants: String?

    @Option(name: .shortAndLong, help: "Images processed at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON array describing every input to standard output.")
    var json = false

    @Option(help: "Largest input in bytes.")
    var maxBytes = ImageLimits().maxBytes

    @Option(help: "Largest width x height x pages.")
    var maxPixels = ImageLimits().maxPixels

    @OptionGroup var watermark: WatermarkOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let remote = paths.filter { $0.hasPrefix("s3://") }
        guard remote.isEmpty || remote.count == paths.count else {
            throw ValidationError("give local paths or s3:// prefixes, not both")
        }
        for path in remote where S3URI(path) == nil {
            throw ValidationError("expected s3://BUCKET/PREFIX, got \(path)")
        }
        for path in paths where remote.isEmpty && !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no such file or folder: \(path)")
        }
    }

    func run() async throws {
        let specs = try VariantSpec.option(variants)
        let outputFolder = URL(fileURLWithPath: out).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        try Vips.start(.imageAfterImage)
        let inputs: [Input]
        let flow: PipelineFlow
        if paths.first?.hasPrefix("s3://") == true {
            var environment = ProcessInfo.processInfo.environment
            if let variants { environment["DARKROOM_VARIANTS"] = variants }
            do {
                flow = try PipelineFlow.aws(environment: environment, watermark: try watermark.watermark())
            } catch let error as PipelineError {
                throw ValidationError(error.message)
            }
            var listed: [Input] = []
            for uri in paths.compactMap(S3URI.init) {
                for object in try await flow.objects.list(bucket: uri.bucket, prefix: uri.key)
                where !object.key.hasSuffix("/") {
                    listed.append(Input(name: "s3://\(uri.bucket)/\(object.key)", bucket: uri.bucket, key: object.key))
                }
            }
            inputs = listed
        } else {
            flow = PipelineFlow.local(
                outputFolder: outputFolder, variants: specs,
                limits: ImageLimits(maxBytes: maxBytes, maxPixels: maxPixels), watermark: try watermark.watermark())
            inputs = InputFiles.expand(paths, skipping: outputFolder).map { path in
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                return Input(
                    name: path, bucket: PipelineFlow.sourceBucket, key: String(absolute.drop(while: { $0 == "/" })))
            }
        }
        let progress = ProgressBar(total: inputs.count)
        let local = paths.first?.hasPrefix("s3://") != true
        let results = await process(inputs, with: flow, outputFolder: local ? outputFolder : nil, progress: progress)
        progress.finish()

        try ContactSheet.write(results, to: outputFolder + "/index.html")
        if json {
            print(try ProcessResult.jsonArray(results))
        }
        printError(ProcessResult.summary(results, outputFolder: outputFolder))
        if results.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }

    /// One input: its name as given and the object it is.
    struct Input: Sendable {
        var name: String
        var bucket: String
        var key: String
    }

    private func process(
        _ inputs: [Input], with flow: PipelineFlow, outputFolder: String?, progress: ProgressBar
    ) async -> [ProcessResult] {
        var results = [ProcessResult?](repeating: nil, count: inputs.count)
        await withTaskGroup(of: (Int, ProcessResult).self) { group in
            var next = 0
            func startNext() {
                guard next < inputs.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await Self.processOne(inputs[index], flow, outputFolder)) }
            }
            for _ in 0..<min(jobs, inputs.count) { startNext() }
            for await (index, result) in group {
                results[index] = result
                progress.advance()
                startNext()
            }
        }
        return results.compactMap { $0 }
    }

    private static func processOne(_ input: Input, _ flow: PipelineFlow, _ outputFolder: String?) async -> ProcessResult
    {
        let job: ImageJob
        do {
            job = try await flow.job(bucket: input.bucket, key: input.key)
        } catch {
            return ProcessResult(
                input: input.name, imageId: nil, status: .failed, cause: "unreadable",
                detail: String(describing: error), job: nil, location: flow.location)
        }
        if let record = try? await flow.jobs.get(job.imageId) {
            if flow.isUnchanged(record, checkingFilesIn: outputFolder) {
                return ProcessResult(record: record, input: input.name, location: flow.location, unchanged: true)
            }
            // Locally a record may be dropped to process afresh; in AWS a final record stands, and
            // the runner reports the image as a duplicate.
            if let local = flow.jobs as? LocalJobStore { try? await local.forget(job.imageId) }
        }
        // The record says what happened; the error is kept for when it cannot (no record, or one
        // left unfinished because recording the outcome itself failed).
        var failure: (any Error)?
        do {
            _ = try await flow.run(job)
        } catch {
            failure = error
        }
        let record: JobRecord?
        do {
            record = try await flow.jobs.get(job.imageId)
        } catch {
            record = nil
            failure = failure ?? error
        }
        guard let record, record.status.isFinal || failure == nil else {
            let detail = failure.map { String(describing: $0) } ?? "the job store has no record of this image"
            return ProcessResult(
                input: input.name, imageId: job.imageId, status: .failed,
                cause: record == nil ? "no_record" : "unrecorded",
                detail: detail, job: job, location: flow.location)
        }
        return ProcessResult(record: record, input: input.name, location: flow.location, unchanged: false)
    }
}

/// The files named on the command line, folders walked recursively (hidden files and the output
/// folder skipped), in a stable order.
enum InputFiles {
    static func expand(_ paths: [String], skipping outputFolder: String) -> [String] {
        var files: [String] = []
        for path in paths {
            var isFolder = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            guard isFolder else {
                files.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let found = (try? FileManager.default.subpathsOfDirectory(atPath: base)) ?? []
            for name in found.sorted() {
                let full = base + "/" + name
                let absolute = URL(fileURLWithPath: full).standardizedFileURL.path
                guard !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                    !(absolute + "/").hasPrefix(outputFolder + "/"),
                    FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder
                else { continue }
                files.append(full)
            }
        }
        return files
    }
}
