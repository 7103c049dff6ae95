import Foundation
import ImageCore
import Testing

/// The committed fixture images (made by scripts/make-fixtures).
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    static func source(_ name: String) throws -> ImageSource { ImageSource(try bytes(name)) }

    /// Decodes a fixture whole, as the stages do.
    static func decode(_ name: String, box: (Int, Int) = (10_000, 10_000)) throws -> Image {
        let source = try source(name)
        let header = try ImageHeader.read(source, limits: ImageLimits())
        return try ImageDecoder.decode(source, header: header, box: box)
    }
}

/// Colour checks with room for JPEG's loss.
func isClose(_ pixel: [Double], _ expected: [Double], tolerance: Double = 40) -> Bool {
    pixel.count >= expected.count && zip(pixel, expected).allSatisfy { abs($0 - $1) <= tolerance }
}

let red: [Double] = [255, 0, 0], green: [Double] = [0, 255, 0], blue: [Double] = [0, 0, 255]
let white: [Double] = [255, 255, 255]
