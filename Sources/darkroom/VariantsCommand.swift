import ArgumentParser
import FoundationEssentials
import ImageCore
import Pipeline
import PixelStages

struct VariantsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variants",
        abstract: "Make the variants of images and nothing else (no records, no archive).",
        discussion: """
            Each file is decoded once per stage (resize, thumbnail), as the functions do, and its \\
            variants written to DIR/<file name>/. With --times, one line per file gives the \\
            milliseconds it took (scripts/bench uses this).
            """)

    @Argument(help: "Image files.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String

    @Option(help: "Variant spec (as DARKROOM_VARIANTS).")
    var variants: String?

    @Flag(help: "Print the milliseconds each file took.")
    var times = false

    func run() throws {
        let specs = try VariantSpec.option(variants)
        try Vips.start(.imageAfterImage)
        let config = PipelineConfig(derivedBucket: "out", archiveBucket: "out", variants: specs, layout: .local)
        var failed = false
        for file in files {
            let started = ContinuousClock.now
            do {
                let source = try ImageSource(contentsOfFile: file)
                // The two stages, each with its own decode, as in the state machine.
                var outputs: [VariantStage.Rendered] = []
                for maker in VariantSpec.Maker.allCases {
                    let mine = config.variants(madeBy: maker)
                    if !mine.isEmpty {
                        outputs += try VariantStage.render(source, imageId: "x", specs: mine, config: config)
                    }
                }
                let elapsed = milliseconds(since: started)
                let folder = out + "/" + URL(fileURLWithPath: file).lastPathComponent
                for output in outputs {
                    let name = output.variant.key.split(separator: "/").last.map(String.init) ?? output.variant.name
                    try LocalObjectStore.writeAtomically(output.bytes, to: folder + "/" + name)
                }
                if times { print("\(fixed(elapsed, 2)) \(file)") }
            } catch {
                printError("\(file): \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
