import ImageCore
import Testing
import MediaTypes

@Suite struct EncoderTests {
    /// The fields that may never reach a published output.
    private func privateFields(_ bytes: [UInt8]) throws -> [String] {
        let header = try ImageHeader.read(ImageSource(bytes), limits: ImageLimits())
        var found: [String] = []
        if let exif = header.exif {
            if exif.gpsLatitude != nil || exif.gpsLongitude != nil { found.append("GPS") }
            if exif.make != nil || exif.model != nil || exif.lensModel != nil { found.append("camera") }
            if exif.takenAt != nil { found.append("date") }
            found.append("EXIF block")
        }
        if header.orientation != 1 { found.append("orientation \(header.orientation)") }
        return found
    }

    private func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// The camera fixture carries GPS, camera, lens, serial number, dates and a description: none
    /// may survive into any output format, and orientation reads 1.
    @Test(arguments: OutputFormat.allCases)
    func outputsCarryNoMetadata(_ format: OutputFormat) throws {
        let encoded = try Fixtures.decode("orientation-6.jpg").encoded(as: format)
        let kept = try privateFields(encoded)
        #expect(kept.isEmpty, "\(format) output keeps \(kept)")
        for secret in [
            "Exif", "DarkroomCam", "Fixture One", "SN-0042", "Secret garden", "2024:06:01", "http://ns.adobe.com/xap",
        ] {
            #expect(!contains(encoded, secret), "\(format) output contains \(secret)")
        }
    }

    @Test(arguments: OutputFormat.allCases)
    func outputsAreTheirFormatAndUpright(_ format: OutputFormat) throws {
        let encoded = try Fixtures.decode("orientation-6.jpg").encoded(as: format)
        let expected: ImageFormat =
            switch format {
            case .jpeg: .jpeg
            case .png: .png
            case .webp: .webp
            case .avif: .avif
            }
        #expect(FormatDetection(prefix: encoded) == .accepted(expected))
        let back = try Fixtures.decodeBytes(encoded)
        #expect(back.width == 64 && back.height == 48)
        #expect(isClose(try back.pixel(x: 8, y: 8), red, tolerance: 50))
        #expect(isClose(try back.pixel(x: 56, y: 40), white, tolerance: 50))
    }

    @Test func progressiveJPEGWithOptimisedTables() throws {
        let image = try Fixtures.decode("orientation-1.jpg")
        let progressive = try image.encoded(as: .jpeg, options: EncodeOptions(quality: 80, progressive: true))
        let baseline = try image.encoded(as: .jpeg, options: EncodeOptions(quality: 80, progressive: false))
        // SOF2 (FF C2) marks a progressive frame, SOF0 (FF C0) a baseline one.
        func hasMarker(_ bytes: [UInt8], _ marker: UInt8) -> Bool {
            bytes.indices.dropLast().contains { bytes[$0] == 0xFF && bytes[$0 + 1] == marker }
        }
        #expect(hasMarker(progressive, 0xC2) && !hasMarker(progressive, 0xC0))
        #expect(hasMarker(baseline, 0xC0) && !hasMarker(baseline, 0xC2))
    }

    @Test func alphaKeptWhereTheFormatHasIt() throws {
        let image = try Fixtures.decode("rgba.png")
        for format in [OutputFormat.png, .webp, .avif] {
            let back = try Fixtures.decodeBytes(try image.encoded(as: format))
            #expect(back.hasAlpha, "\(format) lost the alpha band")
        }
        // JPEG: flattened on white, so half-transparent red becomes pink.
        let jpeg = try Fixtures.decodeBytes(try image.encoded(as: .jpeg))
        #expect(!jpeg.hasAlpha && jpeg.bands == 3)
        #expect(isClose(try jpeg.pixel(x: 8, y: 8), [255, 127, 127], tolerance: 20))
    }
}

extension Fixtures {
    static func decodeBytes(_ bytes: [UInt8]) throws -> Image {
        let source = ImageSource(bytes)
        return try ImageDecoder.decode(
            source, header: try ImageHeader.read(source, limits: ImageLimits()), box: (10_000, 10_000))
    }
}
