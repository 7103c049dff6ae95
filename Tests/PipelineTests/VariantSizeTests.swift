@testable import ImageCore
import MediaTypes
import Pipeline
@testable import PixelStages
import Testing

/// Every variant is the size its spec names, over ordinary and extreme shapes, every EXIF
/// orientation, every accepted still format, and both decode paths: each Lambda stage's own decode
/// (as small as that stage's variants allow) and the CLI's one decode for the whole set.
///
/// The expected size is worked out here from the spec and the image as displayed, independently of
/// ``ResizeRequest/outputSize(fromWidth:height:)``.
///
/// Serialized: its cases are seconds of libvips work on the thread that runs them, and in parallel
/// they would hold every thread of the cooperative pool at once (two on a 2-core machine), starving
/// suites that need one meanwhile (the Runtime API loop of LambdaRuntimeTests timed out so).
@Suite(.serialized) struct VariantSizeTests {
    /// Shapes: landscape, portrait, square; larger than every box, smaller than a box on one side
    /// and on both; the 100:1 and 1:100 limits.
    static let shapes: [(width: Int, height: Int)] = [
        (1920, 1080), (1200, 1600), (1100, 1100), (640, 400), (1300, 500), (400, 900), (120, 90), (64, 48),
        (3000, 30), (30, 3000),
    ]
    static let formats: [SyntheticFormat] = [.jpeg, .png, .webp, .heic, .tiff]
    /// A custom set beside the defaults: non-square covers, a box smaller than anything, a wide strip.
    static let custom = try! VariantSpec.parseList(
        "resize:wide=800x200 resize:tall=300x900:webp thumbnail:hero=640x360:cover thumbnail:column=120x480:cover"
            + " thumbnail:tiny=16 thumbnail:strip=500x50:cover:png")

    static var shapeCases: [Case] {
        formats.flatMap { format in
            shapes.map { Case(width: $0.width, height: $0.height, orientation: 1, format: format) }
        }
    }

    /// Every orientation in the formats that carry EXIF, on a photo's shape and on one smaller than
    /// the thumbnails' box on its short side (where turning it decides which side binds).
    static var orientationCases: [Case] {
        [SyntheticFormat.jpeg, .png, .webp].flatMap { format in
            [(2560, 1600), (640, 400)].flatMap { shape in
                (1...8).map { Case(width: shape.0, height: shape.1, orientation: $0, format: format) }
            }
        }
    }

    @Test(arguments: shapeCases + orientationCases)
    func everyVariantIsTheSizeItsSpecNames(_ example: Case) throws {
        let bytes = try example.encoded()
        let header = try ImageHeader.read(ImageSource(bytes), limits: ImageLimits())
        try #require(header.orientation == example.orientation, "the \(example) file carries its orientation")
        let shown = example.orientation >= 5 ? (example.height, example.width) : (example.width, example.height)
        try #require(header.width == shown.0 && header.height == shown.1)
        for specs in [VariantSpec.defaults, Self.custom] {
            let config = PipelineConfig(derivedBucket: "derived", archiveBucket: "archive", variants: specs)
            // Each Lambda stage decodes for its own variants.
            var lambda: [VariantStage.Rendered] = []
            for maker in [VariantSpec.Maker.resize, .thumbnail] where !config.variants(madeBy: maker).isEmpty {
                lambda += try VariantStage.render(
                    bytes, imageId: "x", specs: config.variants(madeBy: maker), config: config)
            }
            // The CLI decodes once for the whole set and derives both stages' variants from it.
            let shared = try VariantStage.decode(ImageSource(bytes), for: specs, limits: ImageLimits())
            let cli = try [VariantSpec.Maker.resize, .thumbnail].flatMap { maker in
                try VariantStage.render(shared, imageId: "x", specs: config.variants(madeBy: maker), config: config)
            }
            for (path, rendered) in [("lambda", lambda), ("cli", cli)] {
                #expect(rendered.count == specs.reduce(0) { $0 + $1.formats.count })
                for output in rendered {
                    let spec = try #require(specs.first { $0.name == output.variant.name })
                    let expected = Self.expectedSize(spec, width: shown.0, height: shown.1)
                    let decoded = try ImageHeader.read(ImageSource(output.bytes), limits: Self.anyShape)
                    let actual = (decoded.width, decoded.height)
                    #expect(actual == expected, "\(example) \(path) \(spec.name).\(output.variant.format)")
                    #expect(output.variant.width == actual.0 && output.variant.height == actual.1)
                }
            }
        }
    }

    /// Outputs are read back whatever their shape (a 1024x10 variant of a 100:1 banner is right).
    static let anyShape = ImageLimits(maxAspectRatio: 10_000)

    /// The spec's size for an image shown at width x height: fit-inside with the binding side on the
    /// box, never enlarged; cover is the box, or the largest box of its shape inside the image.
    static func expectedSize(_ spec: VariantSpec, width: Int, height: Int) -> (Int, Int) {
        let (w, h, boxW, boxH) = (Double(width), Double(height), Double(spec.width), Double(spec.height))
        func rounded(_ value: Double) -> Int { max(Int(value.rounded()), 1) }
        if spec.cover {
            let shrink = min(1, w / boxW, h / boxH)
            if shrink == 1 { return (spec.width, spec.height) }
            return w / boxW < h / boxH ? (width, rounded(boxH * w / boxW)) : (rounded(boxW * h / boxH), height)
        }
        let scale = min(boxW / w, boxH / h)
        if scale >= 1 { return (width, height) }
        return boxW / w <= boxH / h ? (spec.width, rounded(h * boxW / w)) : (rounded(w * boxH / h), spec.height)
    }

    @Test func theIssuesExamplesHaveTheirSizes() {
        let thumb600 = VariantSpec.defaults.first { $0.name == "large-thumb" }!
        let large = VariantSpec.defaults.first { $0.name == "large" }!
        #expect(Self.expectedSize(thumb600, width: 1920, height: 1080) == (600, 338))
        #expect(Self.expectedSize(thumb600, width: 3000, height: 4000) == (450, 600))
        #expect(Self.expectedSize(thumb600, width: 1600, height: 2560) == (375, 600))
        #expect(Self.expectedSize(thumb600, width: 640, height: 400) == (600, 375))
        #expect(Self.expectedSize(large, width: 3000, height: 30) == (1024, 10))
    }
}

/// The still formats an upload may be in, as this suite writes them.
enum SyntheticFormat: String, Sendable, CustomStringConvertible {
    case jpeg, png, webp, heic, tiff
    var description: String { rawValue }
}

/// One test image: a size as stored, an EXIF orientation, a format.
struct Case: Sendable, CustomStringConvertible {
    var width: Int
    var height: Int
    var orientation: Int
    var format: SyntheticFormat
    var description: String { "\(width)x\(height) o\(orientation) \(format)" }

    /// The image, encoded, with its orientation in an EXIF block the way cameras write it.
    func encoded() throws -> [UInt8] {
        try Vips.start()
        let image = try Self.picture(width: width, height: height)
        switch format {
        case .jpeg: return Exif.inserted(inJPEG: try image.encoded(as: .jpeg), orientation: orientation)
        case .png: return Exif.inserted(inPNG: try image.encoded(as: .png), orientation: orientation)
        case .webp: return Exif.inserted(inWebP: try image.encoded(as: .webp), orientation: orientation)
        case .heic:
            return try Self.saved(image, with: Operation("heifsave_buffer").set("in", image).set("compression", "hevc"))
        case .tiff: return try Self.saved(image, with: Operation("tiffsave_buffer").set("in", image))
        }
    }

    /// A diagonal gradient, so every encoder has something to encode and attention something to find.
    static func picture(width: Int, height: Int) throws -> Image {
        let xyz = try Operation("xyz").set("width", width).set("height", height).run()
        let pixels = try Operation("cast").set("in", xyz).set("format", "uchar").run()
        let rgb = try Operation("bandjoin_const").set("in", pixels).set("c", "128").run()
        return try Operation("copy").set("in", rgb).set("interpretation", "srgb").run()
    }

    static func saved(_ image: Image, with saver: Operation) throws -> [UInt8] {
        try saver.build(failingWith: .encodeFailed)
        return saver.bytes()
    }
}

/// A minimal EXIF block (one IFD0 entry: Orientation) and where each format carries it.
enum Exif {
    static func block(orientation: Int) -> [UInt8] {
        // Big-endian TIFF header, IFD0 at offset 8 with one SHORT entry, no next IFD.
        [
            0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, UInt8(orientation), 0, 0, 0, 0,
            0, 0,
        ]
    }

    static func inserted(inJPEG jpeg: [UInt8], orientation: Int) -> [UInt8] {
        let payload = Array("Exif".utf8) + [0, 0] + block(orientation: orientation)
        let length = payload.count + 2
        return Array(jpeg[0..<2]) + [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + Array(jpeg[2...])
    }

    static func inserted(inPNG png: [UInt8], orientation: Int) -> [UInt8] {
        // eXIf goes before the first IDAT; the signature and IHDR are 8 + 25 bytes.
        let type = Array("eXIf".utf8), data = block(orientation: orientation)
        let chunk = bigEndian(UInt32(data.count)) + type + data + bigEndian(crc32(type + data))
        return Array(png[0..<33]) + chunk + Array(png[33...])
    }

    static func inserted(inWebP webp: [UInt8], orientation: Int) -> [UInt8] {
        // The WebP becomes an extended one: VP8X with the EXIF flag and the canvas size, its image
        // chunk (VP8 or VP8L; these pictures have no alpha), then the EXIF chunk.
        var at = 12, image: [UInt8] = []
        while at + 8 <= webp.count {
            let size = Int(webp[at + 4]) | Int(webp[at + 5]) << 8 | Int(webp[at + 6]) << 16 | Int(webp[at + 7]) << 24
            let end = min(at + 8 + size + size % 2, webp.count)
            if webp[at..<at + 3] == ArraySlice("VP8".utf8), webp[at + 3] != 0x58 { image = Array(webp[at..<end]) }
            at = end
        }
        let (width, height): (Int, Int)
        if image[3] == 0x4C {
            let bits = UInt32(image[9]) | UInt32(image[10]) << 8 | UInt32(image[11]) << 16 | UInt32(image[12]) << 24
            (width, height) = (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
        } else {
            (width, height) = (Int(image[14]) | Int(image[15] & 0x3F) << 8, Int(image[16]) | Int(image[17] & 0x3F) << 8)
        }
        let vp8x =
            Array("VP8X".utf8) + littleEndian(10) + [0x08, 0, 0, 0]
            + Array(littleEndian(UInt32(width - 1)).prefix(3)) + Array(littleEndian(UInt32(height - 1)).prefix(3))
        var exif =
            Array("EXIF".utf8) + littleEndian(UInt32(block(orientation: orientation).count))
            + block(orientation: orientation)
        if exif.count % 2 == 1 { exif.append(0) }
        let body = Array("WEBP".utf8) + vp8x + image + exif
        return Array("RIFF".utf8) + littleEndian(UInt32(body.count)) + body
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
    static func littleEndian(_ value: UInt32) -> [UInt8] { [0, 8, 16, 24].map { UInt8((value >> $0) & 0xFF) } }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
