import ImageCore
import Testing

/// Files other decoders read whole, that Darkroom once called corrupt: an unreadable ICC profile
/// is ignored (the pixels taken as sRGB), and a TIFF layout libvips cannot read is
/// `unsupported_format` by name. `corrupt` is for broken data only.
@Suite struct OddInputTests {
    /// A greyscale JPEG whose 7-byte "profile" comes after the frame header: libvips has no
    /// fallback profile for grey, so using it failed the whole decode.
    @Test func aGreyJPEGWithAnUnreadableProfileAfterTheFrameHeaderDecodes() throws {
        let header = try ImageHeader.read(try Fixtures.source("icc-after-frame-header.jpg"), limits: ImageLimits())
        #expect(header.profile == .unreadable)
        let image = try Fixtures.decode("icc-after-frame-header.jpg")
        #expect(image.width == 64 && image.height == 48 && image.interpretation == "srgb")
        // Red's grey (Rec. 601 luma, about 76) top-left, white bottom-right.
        let topLeft = try image.pixel(x: 8, y: 8), bottomRight = try image.pixel(x: 56, y: 40)
        #expect(
            isClose(topLeft, [76, 76, 76], tolerance: 12) && isClose(bottomRight, white, tolerance: 8),
            "\(topLeft) \(bottomRight)")
    }

    /// Garbage where an RGB JPEG's profile should be: ignored, so the colours are the stored ones.
    @Test func anRGBJPEGWithAGarbageProfileKeepsItsColours() throws {
        let header = try ImageHeader.read(try Fixtures.source("icc-unreadable.jpg"), limits: ImageLimits())
        #expect(header.profile == .unreadable)
        let image = try Fixtures.decode("icc-unreadable.jpg")
        let (topLeft, topRight) = (try image.pixel(x: 8, y: 8), try image.pixel(x: 56, y: 8))
        #expect(isClose(topLeft, red) && isClose(topRight, green), "\(topLeft) \(topRight)")
    }

    /// A profile that can be read still is (the bundled photo carries one); none is none.
    @Test func readableProfilesAreUsedAndAbsentOnesAreNone() throws {
        let photo = Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "samples/path.jpg")
        let header = try ImageHeader.read(try ImageSource(contentsOfFile: photo.path), limits: ImageLimits())
        #expect(header.profile == .usable)
        for name in ["cmyk.jpg", "orientation-1.jpg"] {
            #expect(
                try ImageHeader.read(try Fixtures.source(name), limits: ImageLimits()).profile == EmbeddedProfile.none,
                "\(name)")
        }
    }

    @Test func tilesInSeparatePlanesAreAnUnsupportedLayoutByName() throws {
        let error = try #require(throws: ImageError.self) {
            try ImageHeader.read(try Fixtures.source("tiles-separate-planes.tif"), limits: ImageLimits())
        }
        #expect(error.code == .unsupportedFormat)
        #expect(error.message.contains("tiled, PlanarConfiguration 2"), "\(error.message)")
    }

    /// The same planes in strips are a layout libvips reads.
    @Test func stripsInSeparatePlanesDecode() throws {
        let image = try Fixtures.decode("strips-separate-planes.tif")
        #expect(image.width == 64 && image.height == 48)
        let (topLeft, bottomLeft) = (try image.pixel(x: 8, y: 8), try image.pixel(x: 8, y: 40))
        #expect(isClose(topLeft, red) && isClose(bottomLeft, blue), "\(topLeft) \(bottomLeft)")
    }
}
