import ArgumentParser
import Foundation
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
            """)

    @Argument(help: "Image files or folders.")
    var paths: [String]

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String

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
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no such file or folder: \(path)")
        }
    }

    func run() async throws {
        let specs: [VariantSpec]
        do {
            specs = try variants.map(VariantSpec.parseList) ?? VariantSpec.defaults
        } catch let error as PipelineError {
            throw ValidationError(error.message)
        }
        let outputFolder = URL(fileURLWithPath: out).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        try Vips.start()
        let pipeline = LocalPipeline(
            outputFolder: outputFolder, variants: specs,
            limits: ImageLimits(maxBytes: maxBytes, maxPixels: maxPixels), watermark: try watermark.watermark())
        let inputs = InputFiles.expand(paths, skipping: outputFolder)
        let progress = ProgressBar(total: inputs.count)
        let results = await process(inputs, with: pipeline, outputFolder: outputFolder, progress: progress)
        progress.finish()

        try ContactSheet.write(results, to: outputFolder + "/index.html")
        if json {
            print(try ProcessResult.jsonArray(results))
        }
        FileHandle.standardError.write(Data(ProcessResult.summary(results, outputFolder: outputFolder).utf8))
        if results.contains(where: { $0.status == .failed }) { throw ExitCode(1) }
    }

    private func process(
        _ inputs: [String], with pipeline: LocalPipeline, outputFolder: String, progress: ProgressBar
    ) async -> [ProcessResult] {
        var results = [ProcessResult?](repeating: nil, count: inputs.count)
        await withTaskGroup(of: (Int, ProcessResult).self) { group in
            var next = 0
            func startNext() {
                guard next < inputs.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await Self.processOne(inputs[index], pipeline, outputFolder)) }
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

    private static func processOne(_ input: String, _ pipeline: LocalPipeline, _ outputFolder: String) async -> ProcessResult {
        let path = URL(fileURLWithPath: input).standardizedFileURL.path
        let job: ImageJob
        do {
            job = try await pipeline.job(forFile: path)
        } catch {
            return ProcessResult(input: input, imageId: nil, status: .failed, reason: "unreadable",
                                 detail: String(describing: error), job: nil, outputFolder: outputFolder)
        }
        if let record = try? await pipeline.jobs.get(job.imageId) {
            if pipeline.isUnchanged(record, outputFolder: outputFolder) {
                return ProcessResult(record: record, input: input, outputFolder: outputFolder, unchanged: true)
            }
            try? await pipeline.jobs.forget(job.imageId)
        }
        do {
            _ = try await pipeline.run(job)
        } catch {
            // The record says what happened, whatever the error was.
        }
        guard let record = try? await pipeline.jobs.get(job.imageId) else {
            return ProcessResult(input: input, imageId: job.imageId, status: .failed, reason: "no_record",
                                 detail: "the job store has no record of this image", job: job, outputFolder: outputFolder)
        }
        return ProcessResult(record: record, input: input, outputFolder: outputFolder, unchanged: false)
    }
}

/// The files named on the command line, folders walked recursively (hidden files and the output
/// folder skipped), in a stable order.
enum InputFiles {
    static func expand(_ paths: [String], skipping outputFolder: String) -> [String] {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            guard isFolder.boolValue else {
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
                    FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue
                else { continue }
                files.append(full)
            }
        }
        return files
    }
}
