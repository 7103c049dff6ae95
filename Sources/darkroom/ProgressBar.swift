import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let enabled: Bool
    private let lock = NSLock()
    private var done = 0

    init(total: Int) {
        self.total = total
        enabled = isatty(STDERR_FILENO) != 0 && total > 0
        draw()
    }

    func advance() {
        lock.withLock { done += 1 }
        draw()
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw() {
        guard enabled else { return }
        let done = lock.withLock { self.done }
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
    }
}
