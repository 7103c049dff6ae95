public import Foundation

/// A temporary folder removed when the value goes.
public final class TemporaryFolder {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

public enum Paths {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let fixtures = repository.appendingPathComponent("Tests/Fixtures").path
    public static let samples = repository.appendingPathComponent("samples").path

    /// The `darkroom` executable built beside the test bundle.
    public static var darkroom: String {
        if let explicit = ProcessInfo.processInfo.environment["DARKROOM_BIN"] { return explicit }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "darkroom"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repository.appendingPathComponent(".build/debug/darkroom").path
    }

    /// Another executable of the package, built beside `darkroom` (the folder, not a text
    /// replacement: a clone may itself live in a folder named darkroom).
    public static func executable(_ name: String) -> String {
        URL(fileURLWithPath: darkroom).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
