import Foundation
import ImageCore
import MediaTypes
import Testing

@Suite struct MetadataTests {
    @Test func cameraFieldsAndGPS() throws {
        let header = try ImageHeader.read(try Fixtures.source("orientation-6.jpg"), limits: ImageLimits())
        let exif = try #require(header.exif)
        #expect(exif.make == "DarkroomCam")
        #expect(exif.model == "Fixture One")
        #expect(exif.lensModel == "Fixture 35mm f/2.8")
        #expect(exif.takenAt == "2024-06-01T14:03:22")
        #expect(exif.exposureTime == 1.0 / 250)
        #expect(exif.fNumber == 2.8)
        #expect(exif.iso == 200)
        #expect(exif.focalLength == 35)
        #expect(exif.orientation == 6)
        #expect(abs((exif.gpsLatitude ?? 0) - 48.858_166_7) < 1e-6)
        #expect(abs((exif.gpsLongitude ?? 0) - -2.294_5) < 1e-6)
        #expect(exif.gpsAltitude == 35)
    }

    /// A real camera photo (samples/path.jpg, an Olympus E-M1) with an sRGB profile.
    @Test func realCameraPhoto() throws {
        let url = Fixtures.folder.appendingPathComponent("../../samples/path.jpg").standardized
        let header = try ImageHeader.read(ImageSource([UInt8](try Data(contentsOf: url))), limits: ImageLimits())
        #expect(header.width == 2560 && header.height == 1600)
        #expect(header.iccProfileDescription == "sRGB IEC61966-2.1")
        let exif = try #require(header.exif)
        #expect(exif.make == "OLYMPUS IMAGING CORP.")
        #expect(exif.model == "E-M1")
        #expect(exif.takenAt == "2015-09-06T18:46:57")
        #expect(exif.iso == 200)
        #expect(exif.fNumber == 4.5)
    }

    @Test func hostileEXIFBlocksAreHarmless() {
        #expect(ExifData(block: []) == ExifData())
        #expect(ExifData(block: Array("Exif\0\0II*\0".utf8)) == ExifData())
        // An IFD pointing at itself, offsets past the end, a huge count.
        let looping: [UInt8] = [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x69, 0x87, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0]
        #expect(ExifData(block: looping).make == nil)
        let huge: [UInt8] = [
            0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0xFF, 0xFF, 0x01, 0x0F, 0, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0,
        ]
        #expect(ExifData(block: huge).make == nil)
    }

    /// An EXIF block whose IFD0 holds one ASCII Make field with `text`.
    static func exifWithMake(_ text: [UInt8]) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        let value = text + [0]
        return Array("II*\0".utf8) + le32(8) + le16(1) + le16(0x010F) + le16(2) + le32(value.count) + le32(26) + le32(0)
            + value
    }

    @Test func metadataTextIsCleanedAndCapped() {
        let hostile = Array("  Evil\u{1B}[31m\r\nCam\u{202E}era\u{200B}\t Co\u{0}".utf8)
        #expect(ExifData(block: Self.exifWithMake(hostile)).make == "Evil [31m Camera Co")
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 5_000)
        #expect(ExifData(block: Self.exifWithMake(long)).make == String(repeating: "A", count: 128))
        #expect(ExifData(block: Self.exifWithMake(Array("\n\t \u{7F}".utf8))).make == nil)
        #expect(ExifData(block: Self.exifWithMake(Array("Canon".utf8))).make == "Canon")
    }

    /// A text field is cut to ``MetadataLimits/textFieldBytes`` before it is decoded or cleaned:
    /// a Make of 600 spaces and then "Canon" reads as nothing, since "Canon" lies past the cut.
    @Test func exifTextIsCutBeforeAnyPass() {
        let padded = [UInt8](repeating: UInt8(ascii: " "), count: 600) + Array("Canon".utf8)
        #expect(ExifData(block: Self.exifWithMake(padded)).make == nil)
        let inside = [UInt8](repeating: UInt8(ascii: " "), count: 400) + Array("Canon".utf8)
        #expect(ExifData(block: Self.exifWithMake(inside)).make == "Canon")
    }

    /// An EXIF block over 64 KB (a PNG's eXIf may be any size) is not parsed; the note says so.
    @Test func oversizedEXIFBlockIsIgnoredWithANote() throws {
        let header = try ImageHeader.read(try Fixtures.source("exif-oversized.png"), limits: ImageLimits())
        #expect(header.exif == nil)
        #expect(header.metadataNotes.contains { $0.hasPrefix("exif_ignored: the EXIF block is 71") })
        // The same block cut to a size within the limit is read: the fixture's Make is there.
        #expect(ExifData(block: Array(try Self.exifBlock(of: "exif-oversized.png").prefix(40))).make == "BigCam")
        #expect(try Fixtures.decode("exif-oversized.png").width == 64)
    }

    /// An ICC profile over 4 MB (a JPEG's APP2 pieces may add up to 16 MB) is not opened: the
    /// decode takes the pixels as sRGB, no description is read, the note says so.
    @Test func oversizedICCProfileIsIgnoredWithANote() throws {
        let size = MetadataLimits.iccProfileBytes + 1_000
        var profile = [UInt8](repeating: 0, count: size)
        profile[0...3] = [
            UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF),
        ]
        profile[36..<40] = ArraySlice("acsp".utf8)
        let jpeg = try Self.jpeg(try Fixtures.bytes("orientation-1.jpg"), withICCProfile: profile)
        let source = ImageSource(jpeg)
        let header = try ImageHeader.read(source, limits: ImageLimits())
        #expect(header.profile == .unreadable)
        #expect(header.iccProfileDescription == nil)
        #expect(header.metadataNotes.contains { $0.contains("is \(size) bytes, over the 4194304 read") })
        let image = try ImageDecoder.decode(source, header: header, box: (64, 64))
        #expect(image.width == 64)
        // Within the limit, the same header is opened (and found unreadable for what it is).
        let small = try Self.jpeg(try Fixtures.bytes("orientation-1.jpg"), withICCProfile: Array(profile.prefix(2_000)))
        let smallHeader = try ImageHeader.read(ImageSource(small), limits: ImageLimits())
        #expect(!smallHeader.metadataNotes.contains { $0.contains("over the") })
    }

    /// The EXIF block libvips reads from a fixture.
    static func exifBlock(of name: String) throws -> [UInt8] {
        let data = try Fixtures.bytes(name)
        let at = try #require(data.indices.first { data[$0...].starts(with: Array("eXIf".utf8)) })
        let length = Int(data[at - 4]) << 24 | Int(data[at - 3]) << 16 | Int(data[at - 2]) << 8 | Int(data[at - 1])
        return Array(data[(at + 4)..<(at + 4 + length)])
    }

    /// `jpeg` with `profile` as APP2 ICC_PROFILE segments right after its SOI marker.
    static func jpeg(_ jpeg: [UInt8], withICCProfile profile: [UInt8]) throws -> [UInt8] {
        try #require(jpeg.starts(with: [0xFF, 0xD8]))
        let pieces = stride(from: 0, to: profile.count, by: 65_519).map {
            Array(profile[$0..<min($0 + 65_519, profile.count)])
        }
        var segments: [UInt8] = []
        for (index, piece) in pieces.enumerated() {
            let length = 2 + 14 + piece.count
            segments += [0xFF, 0xE2, UInt8(length >> 8), UInt8(length & 0xFF)] + Array("ICC_PROFILE\0".utf8)
            segments += [UInt8(index + 1), UInt8(pieces.count)] + piece
        }
        return [0xFF, 0xD8] + segments + jpeg.dropFirst(2)
    }

    @Test func iccDescriptionOfBothVersions() {
        func profile(tag: [UInt8]) -> [UInt8] {
            var bytes =
                [UInt8](repeating: 0, count: 128) + [0, 0, 0, 1] + Array("desc".utf8) + [
                    0, 0, 0, 144, 0, 0, 0, UInt8(tag.count),
                ]
            bytes += tag
            return bytes
        }
        let v2 = Array("desc".utf8) + [0, 0, 0, 0, 0, 0, 0, 5] + Array("Test\0".utf8)
        #expect(ICCProfile.description(profile(tag: v2)) == "Test")
        let text: [UInt8] = [0, 0x50, 0, 0x33]  // "P3" in UTF-16BE
        let v4 =
            Array("mluc".utf8) + [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 12] + Array("enUS".utf8) + [0, 0, 0, 4, 0, 0, 0, 28]
            + text
        #expect(ICCProfile.description(profile(tag: v4)) == "P3")
        #expect(ICCProfile.description([1, 2, 3]) == nil)
    }

    @Test func perceptualHashFindsNearDuplicates() throws {
        func hash(_ name: String) throws -> String {
            let source = try Fixtures.source(name)
            return try PerceptualHash.dHash(source, header: try ImageHeader.read(source, limits: ImageLimits()))
        }
        let original = try hash("attention.png")
        #expect(original.count == 16)
        // The same picture re-encoded and shrunk stays within a few bits.
        let image = try Fixtures.decode("attention.png")
        let smaller = try image.resized(to: ResizeRequest(width: 60, height: 60, mode: .fit)).encoded(as: .jpeg)
        let source = ImageSource(smaller)
        let copy = try PerceptualHash.dHash(source, header: try ImageHeader.read(source, limits: ImageLimits()))
        #expect(try #require(PerceptualHash.distance(original, copy)) <= 6)
        // A different picture is far away.
        #expect(try #require(PerceptualHash.distance(original, try hash("orientation-1.jpg"))) > 10)
        // Orientation is applied before hashing: every stored orientation of one picture hashes alike.
        let upright = try hash("orientation-1.jpg")
        for n in 2...8 {
            #expect(try #require(PerceptualHash.distance(upright, try hash("orientation-\(n).jpg"))) <= 4)
        }
    }
}
