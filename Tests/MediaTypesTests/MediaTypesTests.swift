import DarkroomTestSupport
import Foundation
import MediaTypes
import Testing

@Suite struct MediaTypesTests {
    /// template.yaml cannot import Swift: its defaults are copies of `InputLimits`, and must agree.
    @Test func theTemplatesLimitDefaultsAreInputLimits() throws {
        let template = try String(contentsOf: Paths.repository.appendingPathComponent("template.yaml"), encoding: .utf8)
        func defaultOf(_ parameter: String) -> Int? {
            guard let start = template.range(of: "\n  \(parameter):\n") else { return nil }
            let block = template[start.upperBound...].prefix { _ in true }.split(separator: "\n").prefix(6)
            return block.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Default:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
        }
        #expect(defaultOf("MaxBytes") == InputLimits.maxBytes)
        #expect(defaultOf("MaxPixels") == InputLimits.maxPixels)
    }

    /// One extension per format, whoever asks: the archive's key and the set-aside copy's.
    @Test func everyFormatHasOneExtensionAndItsOwnMediaType() {
        #expect(ImageFormat.tiff.fileExtension == "tiff")
        #expect(ImageFormat.jpeg.fileExtension == "jpg" && OutputFormat.jpeg.fileExtension == "jpg")
        for format in OutputFormat.allCases {
            let input = ImageFormat(rawValue: format.rawValue)
            #expect(
                input?.fileExtension == format.fileExtension && input?.contentType == format.contentType, "\(format)")
        }
        #expect(Set(ImageFormat.allCases.map(\.contentType)).count == ImageFormat.allCases.count)
    }

    @Test func onlyJPEGCannotCarryAlpha() {
        #expect(OutputFormat.allCases.filter { !$0.hasAlpha } == [.jpeg])
    }
}
