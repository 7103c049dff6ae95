import ArgumentParser
import FoundationEssentials
import ImageCore
import MediaTypes

struct ThumbnailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbnail",
        abstract:
            "Write one fit-inside JPEG thumbnail per image (decoded with shrink-on-load, oriented, sRGB, no metadata).")

    @Argument(help: "Image files.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String

    @Option(name: .shortAndLong, help: "The box, in pixels.")
    var size = 300

    @Option(help: "JPEG quality.")
    var quality = 82

    @Flag(help: "Print the milliseconds each file took.")
    var times = false

    func run() throws {
        try Vips.start(.imageAfterImage)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var failed = false
        for file in files {
            let started = ContinuousClock.now
            do {
                let source = try ImageSource(contentsOfFile: file)
                let header = try ImageHeader.read(source, limits: ImageLimits())
                let request = ResizeRequest(width: size, height: size, mode: .fit)
                let box = ResizeRequest.decodeBox(for: [request], width: header.width, height: header.height)
                let image = try ImageDecoder.decode(source, header: header, box: box)
                let bytes = try image.resized(to: request, original: (header.width, header.height)).encoded(
                    as: .jpeg, options: EncodeOptions(quality: quality))
                let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent + ".jpg"
                guard FileManager.default.createFile(atPath: out + "/" + name, contents: Data(bytes)) else {
                    throw ValidationError("cannot write \(out)/\(name)")
                }
                let elapsed = milliseconds(since: started)
                if times { print("\(fixed(elapsed, 2)) \(file)") }
            } catch {
                printError("\(file): \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
