public import Foundation

/// A program run to the end, as the tests run `darkroom`, `curl`, `ldd` and the Python helpers.
public struct Command: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Standard output as bytes (for JSON lines).
    public var output: Data

    /// Runs `arguments[0]` (found on PATH, or a path) with the rest as its arguments. Both outputs
    /// are read at once, so neither pipe can fill and stall the program.
    /// - Parameter environment: the whole environment, or nil to inherit this process's.
    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Command {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].contains("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].contains("/") ? Array(arguments.dropFirst()) : arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = ErrorsReader(err.fileHandleForReading)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Command(
            status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors.wait(), as: UTF8.self), output: output)
    }

    /// `darkroom` with these arguments.
    public static func darkroom(_ arguments: [String], environment: [String: String]? = nil) throws -> Command {
        try run([Paths.darkroom] + arguments, environment: environment)
    }
}

// Standard error, drained on a thread of its own while standard output is read.
private final class ErrorsReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
