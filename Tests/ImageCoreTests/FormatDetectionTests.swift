import ImageCore
import Testing
import MediaTypes

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("orientation-1.jpg", ImageFormat.jpeg), ("rgba.png", .png), ("lossy.webp", .webp), ("animated.gif", .gif),
        ("quadrants.heic", .heic), ("quadrants.avif", .avif), ("quadrants.tif", .tiff),
    ])
    func acceptedFormatsByMagicBytes(_ name: String, _ format: ImageFormat) throws {
        #expect(FormatDetection(prefix: try Fixtures.bytes(name)) == .accepted(format))
    }

    @Test(arguments: [
        ("text.jpg", "text"), ("external.svg", "SVG"), ("document.pdf", "PDF"), ("empty.jpg", "empty file"),
    ])
    func rejectedFormatsSayWhatWasFound(_ name: String, _ found: String) throws {
        #expect(FormatDetection(prefix: try Fixtures.bytes(name)) == .rejected(found: found))
    }

    @Test func archivesAndUnknownBinary() {
        #expect(FormatDetection(prefix: [0x50, 0x4B, 0x03, 0x04, 0, 0]) == .rejected(found: "ZIP archive"))
        #expect(FormatDetection(prefix: [0x1F, 0x8B, 8, 0]) == .rejected(found: "gzip archive"))
        #expect(FormatDetection(prefix: [0x00, 0x01, 0x02, 0x03]) == .rejected(found: "unknown binary data"))
        #expect(
            FormatDetection(prefix: Array("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8)) == .rejected(found: "SVG"))
    }

    /// A file named .jpg holding PNG bytes is a PNG: the name is never trusted.
    @Test func nameIsIgnored() throws {
        let header = try ImageHeader.read(try Fixtures.source("rgba.png"), limits: ImageLimits())
        #expect(header.format == .png)
    }
}
