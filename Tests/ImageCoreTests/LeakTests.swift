import Foundation
import Testing

@testable import ImageCore

/// Tests of what libvips keeps for the whole process (its count of live objects, its error buffer):
/// one at a time, so that neither sees the other's work.
@Suite(.serialized) enum LibvipsProcessState {
    /// How much libvips' count of live objects grows over `work`: the median of five rounds. The
    /// count is the whole process's, and other suites decode in parallel (their objects, and the
    /// operation cache filling with their work, move it by tens either way), so the bound is fewer
    /// than half an object per failure: a leak keeps at least one object for every failure.
    static func typicalGrowth(_ work: () -> Void) -> Int {
        let growths = (0..<5).map { _ in
            let before = Vips.liveObjects
            work()
            return Vips.liveObjects - before
        }
        return growths.sorted()[2]
    }
}

extension LibvipsProcessState {
    /// A warm function meets many hostile files: operations that fail must release everything they
    /// made, as libvips' own vips_call_split does, or each failure leaks.
    @Suite struct LeakTests {
        /// An operation whose build fails after it made its output (add of a 3-band and a 2-band image:
        /// libvips makes the output image, then finds the bands cannot be matched), over and over.
        @Test func aFailedBuildReleasesItsOutputs() throws {
            let image = try Fixtures.decode("orientation-1.jpg")
            let twoBands = try Operation("extract_band").set("in", image).set("band", 0).set("n", 2).run()
            #expect(image.bands == 3 && twoBands.bands == 2)
            func failOnce() {
                #expect(throws: ImageError.self) {
                    _ = try Operation("add").set("left", image).set("right", twoBands).run()
                }
            }
            for _ in 0..<5 { failOnce() }
            let growth = LibvipsProcessState.typicalGrowth { for _ in 0..<200 { failOnce() } }
            #expect(
                growth < 100,
                "libvips objects alive grew by \(growth) over 200 failed builds, the median of five rounds"
            )
        }

        /// Decodes and encodes that fail, over and over; libvips' count of live objects must not grow.
        @Test func failingOperationsLeakNothing() throws {
            let truncated = try Fixtures.bytes("truncated.jpg")
            func failOnce() {
                let source = ImageSource(truncated)
                guard let header = try? ImageHeader.read(source, limits: ImageLimits()) else { return }
                // The header reads; the pixels fail while resizing or encoding.
                if let image = try? ImageDecoder.decode(source, header: header, box: (64, 64)) {
                    _ = try? image.encoded(as: .jpeg)
                    _ = try? image.encoded(as: .webp)
                }
            }
            for _ in 0..<20 { failOnce() }  // libvips' own one-time allocations happen here
            let growth = LibvipsProcessState.typicalGrowth { for _ in 0..<300 { failOnce() } }
            #expect(
                growth < 150, "libvips objects alive grew by \(growth) over 300 failures, the median of five rounds")
        }
    }
}
