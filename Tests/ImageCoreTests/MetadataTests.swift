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
