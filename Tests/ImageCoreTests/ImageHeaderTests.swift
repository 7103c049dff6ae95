import ImageCore
import Testing

@Suite struct ImageHeaderTests {
    private func reject(_ name: String, _ limits: ImageLimits = ImageLimits()) throws -> ImageError {
        try #require(throws: ImageError.self) { try ImageHeader.read(try Fixtures.source(name), limits: limits) }
    }

    @Test(arguments: [
        ("empty.jpg", ImageError.Code.empty), ("text.jpg", .unsupportedFormat), ("external.svg", .unsupportedFormat),
        ("document.pdf", .unsupportedFormat), ("bomb.png", .tooManyPixels), ("bomb.jpg", .tooManyPixels),
    ])
    func badFixturesGetTheirReason(_ name: String, _ code: ImageError.Code) throws {
        #expect(try reject(name).code == code)
    }

    /// The bombs hold almost no pixel data: were they decoded, they would fail as corrupt (or eat
    /// memory). `too_many_pixels` shows the limit was applied to the header first.
    @Test func limitsComeBeforeDecoding() throws {
        let error = try reject("bomb.png")
        #expect(error.message.contains("100000x100000"))
        #expect(try reject("orientation-1.jpg", ImageLimits(maxPixels: 64 * 48 - 1)).code == .tooManyPixels)
        #expect(throws: Never.self) {
            try ImageHeader.read(try Fixtures.source("orientation-1.jpg"), limits: ImageLimits(maxPixels: 64 * 48))
        }
    }

    /// A TIFF in a compression outside the accepted set is refused by its header, on any libvips
    /// (Debian's libtiff could decode these; the layer's has no decoder for them).
    @Test(arguments: [("fax.tif", "CCITT Group 4 fax (4)"), ("zstd.tif", "ZSTD (50000)")])
    func tiffCompressionsOutsideTheAcceptedSetAreRefused(_ name: String, _ compression: String) throws {
        let error = try reject(name)
        #expect(error.code == .unsupportedFormat)
        #expect(error.message.contains("a TIFF compressed with \(compression)"), "\(error.message)")
    }

    @Test func byteLimit() throws {
        let bytes = try Fixtures.bytes("orientation-1.jpg")
        #expect(try reject("orientation-1.jpg", ImageLimits(maxBytes: bytes.count - 1)).code == .tooLarge)
    }

    @Test func frameLimitAndPageCount() throws {
        let header = try ImageHeader.read(try Fixtures.source("animated.gif"), limits: ImageLimits())
        #expect(header.pages == 3 && header.isAnimated)
        #expect(try reject("animated.gif", ImageLimits(maxFrames: 2)).code == .tooManyFrames)
        // Pixels count every frame: 64 x 48 x 3.
        #expect(try reject("animated.gif", ImageLimits(maxPixels: 64 * 48 * 3 - 1)).code == .tooManyPixels)
    }

    @Test func displayedSizeFollowsOrientation() throws {
        let header = try ImageHeader.read(try Fixtures.source("orientation-6.jpg"), limits: ImageLimits())
        #expect(header.orientation == 6)
        #expect(header.storedWidth == 48 && header.storedHeight == 64)
        #expect(header.width == 64 && header.height == 48)
    }

    @Test func sixteenBitAndCMYKAreReported() throws {
        let sixteen = try ImageHeader.read(try Fixtures.source("rgb16.png"), limits: ImageLimits())
        #expect(sixteen.bitsPerSample == 16)
        let cmyk = try ImageHeader.read(try Fixtures.source("cmyk.jpg"), limits: ImageLimits())
        #expect(cmyk.interpretation == "cmyk" && cmyk.bands == 4)
    }

    @Test func shapesPastTheAspectRatioLimitAreRefused() throws {
        let limits = ImageLimits()
        try limits.checkDimensions(width: 10_000, height: 100, pages: 1)
        try limits.checkDimensions(width: 100, height: 10_000, pages: 1)
        for (width, height) in [(10_001, 100), (200_000, 1), (1, 65_000)] {
            let error = #expect(throws: ImageError.self) {
                try limits.checkDimensions(width: width, height: height, pages: 1)
            }
            #expect(error?.code == .extremeAspectRatio, "\(width)x\(height)")
        }
        let zero = #expect(throws: ImageError.self) { try limits.checkDimensions(width: 0, height: 5, pages: 1) }
        #expect(zero?.code == .corrupt)
    }
}
