import Synchronization

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
final class ProgressBar: Sendable {
    private let total: Int
    private let enabled: Bool
    private let done = Mutex(0)

    init(total: Int) {
        self.total = total
        enabled = standardErrorIsTerminal && total > 0
        draw()
    }

    func advance() {
        done.withLock { $0 += 1 }
        draw()
    }

    func finish() {
        if enabled { printError("\n") }
    }

    private func draw() {
        guard enabled else { return }
        let done = self.done.withLock { $0 }
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        printError("\r[\(bar)] \(done)/\(total)")
    }
}
