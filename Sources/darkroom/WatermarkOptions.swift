import ArgumentParser
import FoundationEssentials
import ImageCore

/// The watermark options of `process`; the mark goes on variants whose spec says `watermark`
/// (the default `large`).
struct WatermarkOptions: ParsableArguments {
    @Option(help: "Text laid over watermarked variants.")
    var watermarkText: String?

    @Option(help: "Image (PNG with alpha works best) laid over watermarked variants.")
    var watermarkImage: String?

    @Option(help: "Watermark opacity, 0 to 1.")
    var watermarkOpacity = 0.5

    @Option(help: "Watermark corner: top-left, top-right, bottom-left, bottom-right.")
    var watermarkCorner = "bottom-right"

    func validate() throws {
        guard watermarkText == nil || watermarkImage == nil else {
            throw ValidationError("give --watermark-text or --watermark-image, not both")
        }
        guard (0...1).contains(watermarkOpacity) else { throw ValidationError("--watermark-opacity must be 0 to 1") }
        guard Watermark.Corner(rawValue: watermarkCorner) != nil else {
            throw ValidationError(
                "--watermark-corner must be one of \(Watermark.Corner.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    /// The configured watermark, or nil.
    func watermark() throws -> Watermark? {
        let corner = Watermark.Corner(rawValue: watermarkCorner) ?? .bottomRight
        if let text = watermarkText {
            return Watermark(content: .text(text), opacity: watermarkOpacity, corner: corner)
        }
        guard let path = watermarkImage else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the watermark image \(path)")
        }
        return Watermark(content: .image(ImageSource([UInt8](data))), opacity: watermarkOpacity, corner: corner)
    }
}
