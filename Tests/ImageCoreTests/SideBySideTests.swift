import Dispatch
import Synchronization
import Testing

@testable import ImageCore

/// Images shrunk side by side in one process (`darkroom process --jobs`, `darkroom serve`) come out
/// exactly as each does alone, and the process lives: the liborc vector path, whose code memory
/// liborc 0.4.33 frees outside its lock, stays off.
@Suite struct SideBySideTests {
    @Test func theVectorPathIsOff() throws {
        try Vips.start()
        #expect(!Vips.vectorPath, "libvips runs liborc's code, which crashes images shrunk side by side")
    }

    @Test func shrinkingSideBySideGivesWhatShrinkingAloneGives() throws {
        let inputs = ["orientation-1.jpg", "exif-oversized.png", "quadrants.tif", "attention.png"]
        let boxes = [(7, 7), (20, 15), (33, 40), (50, 37)]
        @Sendable func shrunk(_ name: String, _ box: (Int, Int)) throws -> [UInt8] {
            try Fixtures.decode(name, box: box).encoded(as: .png)
        }
        let alone = try inputs.flatMap { name in try boxes.map { try shrunk(name, $0) } }

        let wrong = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 320) { index in
            let which = index % alone.count
            let (name, box) = (inputs[which / boxes.count], boxes[which % boxes.count])
            let got = Result { try shrunk(name, box) }
            if (try? got.get()) != alone[which] { wrong.withLock { $0.append("\(name) in \(box): \(got)") } }
        }
        let seen = wrong.withLock { $0 }
        #expect(seen.isEmpty, "\(seen.count) of 320 differed from the same shrink alone, e.g. \(seen.first ?? "")")
    }
}
