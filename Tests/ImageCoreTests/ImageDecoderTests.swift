import Foundation
import ImageCore
import Testing

@Suite struct ImageDecoderTests {
    static let orientations = (1...8).flatMap { ["orientation-\($0).jpg", "orientation-\($0)-progressive.jpg"] }

    /// Every orientation is stored differently and must display the same quadrants.
    @Test(arguments: orientations)
    func orientationIsApplied(_ name: String) throws {
        let image = try Fixtures.decode(name)
        #expect(image.width == 64 && image.height == 48, "\(name) came out \(image.width)x\(image.height)")
        #expect(isClose(try image.pixel(x: 8, y: 8), red), "\(name) top-left")
        #expect(isClose(try image.pixel(x: 56, y: 8), green), "\(name) top-right")
        #expect(isClose(try image.pixel(x: 8, y: 40), blue), "\(name) bottom-left")
        #expect(isClose(try image.pixel(x: 56, y: 40), white), "\(name) bottom-right")
    }

    /// An orientation-6 photo is stored landscape-on-its-side and must come out portrait-correct:
    /// the standard example set, where every orientation shows the same picture.
    @Test(arguments: ["Landscape", "Portrait"])
    func standardOrientationExamples(_ kind: String) throws {
        let folder = Fixtures.folder.appendingPathComponent("../Conformance/orientation").standardized
        try #require(FileManager.default.fileExists(atPath: folder.path), "Tests/Conformance/orientation is missing")
        func load(_ n: Int) throws -> Image {
            let source = ImageSource([UInt8](try Data(contentsOf: folder.appendingPathComponent("\(kind)_\(n).jpg"))))
            return try ImageDecoder.decode(
                source, header: try ImageHeader.read(source, limits: ImageLimits()), box: (120, 120))
        }
        let reference = try load(1)
        for n in 2...8 {
            let image = try load(n)
            #expect(image.width == reference.width && image.height == reference.height, "\(kind)_\(n)")
            // The centre shows each file's own number; compare the corners and the quarter points.
            let w = reference.width, h = reference.height
            for (x, y) in [(5, 5), (w - 6, 5), (5, h - 6), (w - 6, h - 6), (w / 4, h / 4), (3 * w / 4, 3 * h / 4)] {
                #expect(
                    isClose(try image.pixel(x: x, y: y), try reference.pixel(x: x, y: y), tolerance: 60),
                    "\(kind)_\(n) at \(x),\(y)")
            }
        }
    }

    @Test(arguments: [
        "quadrants.tif", "quadrants-jpeg.tif", "quadrants.heic", "quadrants.avif", "lossy.webp", "lossless.webp",
        "animated.gif",
        "palette-transparent.png", "rgba.png", "alpha.webp",
    ])
    func everyAcceptedFormatDecodes(_ name: String) throws {
        let image = try Fixtures.decode(name)
        #expect(image.width == 64 && image.height == 48)
        #expect(image.interpretation == "srgb" && image.bitsPerSample == 8)
        let corner = try image.pixel(x: 8, y: 8)
        #expect(corner[0] > 150 && corner[1] < 90 && corner[2] < 90, "\(name) top-left is \(corner)")
    }

    @Test func cmykComesOutSRGB() throws {
        let image = try Fixtures.decode("cmyk.jpg")
        #expect(image.interpretation == "srgb")
        #expect(image.bands == 3)
        let corner = try image.pixel(x: 8, y: 8)
        #expect(corner[0] > 180 && corner[1] < 90 && corner[2] < 90, "CMYK red came out \(corner)")
        let opposite = try image.pixel(x: 56, y: 40)
        #expect(opposite.allSatisfy { $0 > 200 }, "CMYK white came out \(opposite)")
    }

    @Test func sixteenBitComesOutEightBit() throws {
        let image = try Fixtures.decode("rgb16.png")
        #expect(image.bitsPerSample == 8 && image.interpretation == "srgb")
        #expect(isClose(try image.pixel(x: 8, y: 8), [255, 128, 0], tolerance: 2))
        #expect(isClose(try image.pixel(x: 8, y: 40), blue, tolerance: 2))
    }

    @Test func alphaIsKept() throws {
        for name in ["rgba.png", "alpha.webp", "palette-transparent.png"] {
            #expect(try Fixtures.decode(name).hasAlpha, "\(name) lost its alpha")
        }
        #expect(abs(try Fixtures.decode("rgba.png").pixel(x: 8, y: 8)[3] - 128) <= 1)
    }

    @Test func decodeShrinksToTheBox() throws {
        let image = try Fixtures.decode("orientation-6.jpg", box: (32, 24))
        #expect(image.width == 32 && image.height == 24)
    }

    @Test func truncatedJPEGIsCorruptWithLibvipsMessage() throws {
        for box in [(64, 64), (10_000, 10_000)] {
            let error = try #require(throws: ImageError.self) { try Fixtures.decode("truncated.jpg", box: box) }
            #expect(error.code == .corrupt)
            #expect(error.message.contains("Premature end"), "libvips' message was lost: \(error.message)")
        }
    }

    @Test func decodedImagesCarryNoMetadata() throws {
        let image = try Fixtures.decode("orientation-6.jpg")
        let encoded = try image.encoded(as: .png)
        let header = try ImageHeader.read(ImageSource(encoded), limits: ImageLimits())
        #expect(header.exif == nil)
        #expect(header.orientation == 1)
    }
}
