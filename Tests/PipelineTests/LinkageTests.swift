import DarkroomTestSupport
import Foundation
import Testing

/// The functions without the libvips layer in template.yaml (moderate, archive, reconcile, settle,
/// api) must not link libvips (they start faster); those with it (the pixel stages) must. The lists
/// come from the template, through harness/template_facts.py.
@Suite struct LinkageTests {
    func libraries(_ executable: String) throws -> String {
        let path = Paths.executable(executable)
        return try Command.run(["ldd", path]).stdout
    }

    func functions(_ kind: String) throws -> [String] {
        let script = Paths.repository.appendingPathComponent("harness/template_facts.py").path
        return try Command.run(["python3", script, kind]).stdout.split(separator: "\n").map(String.init)
    }

    @Test func functionsWithoutTheLayerDoNotLinkLibvips() throws {
        let pixel = Set(try functions("pixel"))
        let lean = try functions("functions").filter { !pixel.contains($0) }
        #expect(Set(lean).isSuperset(of: ["moderate", "archive", "reconcile", "settle", "api"]))
        for executable in lean {
            let linked = try libraries(executable)
            #expect(linked.contains("libcurl"), "ldd failed for \(executable)")
            #expect(!linked.contains("libvips"), "\(executable)")
        }
    }

    @Test func functionsWithTheLayerLinkLibvips() throws {
        let pixel = try functions("pixel")
        #expect(Set(pixel) == ["validate", "metadata", "resize", "thumbnail", "render"])
        for executable in pixel { #expect(try libraries(executable).contains("libvips"), "\(executable)") }
    }
}
