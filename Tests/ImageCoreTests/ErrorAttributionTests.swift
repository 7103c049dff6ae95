import Dispatch
import Foundation
import Synchronization
import Testing

@testable import ImageCore

extension LibvipsProcessState {
    /// libvips keeps one error buffer for the whole process: a failure appends its words there and
    /// whoever reads next takes them. Two images failing at the same time must each be told their own.
    @Suite struct ErrorAttributionTests {
        /// Why decoding `bytes` failed, when it did.
        static func failure(_ bytes: [UInt8]) -> String? {
            do {
                let source = ImageSource(bytes)
                let header = try ImageHeader.read(source, limits: ImageLimits())
                _ = try ImageDecoder.decode(source, header: header, box: (64, 64))
                return nil
            } catch {
                return String(describing: error)
            }
        }

        @Test func twoImagesFailingAtOnceKeepTheirOwnMessages() throws {
            let jpeg = try Fixtures.bytes("truncated.jpg")
            let png = Array(try Fixtures.bytes("rgba.png").dropLast(200))
            let alone = (jpeg: try #require(Self.failure(jpeg)), png: try #require(Self.failure(png)))
            #expect(alone.jpeg.contains("Premature end") && !alone.png.contains("Premature end"), "\(alone)")

            let seen = Mutex<[(expected: String, got: String?)]>([])
            DispatchQueue.concurrentPerform(iterations: 400) { index in
                let (bytes, expected) = index.isMultiple(of: 2) ? (jpeg, alone.jpeg) : (png, alone.png)
                let got = Self.failure(bytes)
                seen.withLock { $0.append((expected, got)) }
            }
            let wrong = seen.withLock { $0.filter { $0.got != $0.expected } }
            #expect(
                wrong.count == 0,
                "\(wrong.count) of 400 failures were told another's words, e.g. \(wrong.first.map { "\($0.got ?? "nil") instead of \($0.expected)" } ?? "")"
            )
        }
    }
}
