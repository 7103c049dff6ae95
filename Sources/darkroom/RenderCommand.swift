import ArgumentParser
import FoundationEssentials
import ImageCore
import MediaTypes
import Rendering
import Renditions

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render each file as a rendition URL would (docs/renditions.md): one decode, fitted, encoded.",
        discussion: """
            The same render the render function makes, from files: --original says the size of the \
            image a file was made from (a stored variant), so that the output is the size the same \
            rendition of the original would be. --effort sets the WebP or AVIF effort (the bench's \
            measurement of size against time).
            """)

    @Argument(help: "Image files.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String

    @Option(help: "The box's width (0: free).")
    var width = 480

    @Option(help: "The box's height (0: free).")
    var height = 0

    @Flag(help: "Cover the box and crop to it (attention), instead of fitting inside.")
    var cover = false

    @Option(help: "jpeg, png, webp or avif.")
    var format = "jpeg"

    @Option(help: "Quality, 1-100.")
    var quality = 80

    @Option(help: "WebP (0-6) or AVIF (0-9) effort; default the render function's.")
    var effort: Int?

    @Option(help: "The original's size as displayed, WxH, when the files are variants of it.")
    var original: String?

    @Option(help: "Render each file this many times (the bench's repetitions).")
    var rounds = 1

    @Flag(help: "Print the milliseconds each render took (from bytes in memory to encoded bytes).")
    var times = false

    func run() throws {
        guard let output = OutputFormat(rawValue: format) else {
            throw ValidationError("--format: jpeg, png, webp or avif")
        }
        let side = RenditionPolicy().maxSide
        let request = ResizeRequest(
            width: width == 0 ? side : width, height: height == 0 ? side : height, mode: cover ? .cover : .fit)
        let given = try original.map { text -> (Int, Int) in
            let parts = text.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--original is WxH") }
            return (parts[0], parts[1])
        }
        try Vips.start(.imageAfterImage)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for file in files {
            let bytes = try ImageSource(contentsOfFile: file)
            let header = try ImageHeader.read(bytes, limits: ImageLimits(maxAspectRatio: Int(Int32.max)))
            for _ in 0..<max(rounds, 1) {
                let started = ContinuousClock.now
                let rendered = try Renderer.render(
                    bytes, original: given ?? (header.width, header.height), request: request, format: output,
                    quality: quality, limits: ImageLimits(maxAspectRatio: Int(Int32.max)), effort: effort)
                if times { print("\(fixed(milliseconds(since: started), 2)) \(rendered.bytes.count) \(file)") }
                let name =
                    URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent + "." + output.fileExtension
                guard FileManager.default.createFile(atPath: out + "/" + name, contents: Data(rendered.bytes)) else {
                    throw ValidationError("cannot write \(out)/\(name)")
                }
            }
        }
    }
}
