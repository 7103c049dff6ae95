import DarkroomTestSupport
import Foundation
import Testing

/// moderate, archive, reconcile, settle and api must not link libvips (they start faster); the pixel stages must.
@Suite struct LinkageTests {
    func libraries(_ executable: String) throws -> String {
        let path = Paths.executable(executable)
        return try Command.run(["ldd", path]).stdout
    }

    @Test(arguments: ["moderate", "archive", "reconcile", "settle", "api"])
    func lightStagesDoNotLinkLibvips(_ executable: String) throws {
        let linked = try libraries(executable)
        #expect(linked.contains("libcurl"), "ldd failed for \(executable)")
        #expect(!linked.contains("libvips"))
    }

    @Test(arguments: ["validate", "metadata", "resize", "thumbnail"])
    func pixelStagesLinkLibvips(_ executable: String) throws {
        #expect(try libraries(executable).contains("libvips"))
    }
}
