#if canImport(Glibc)
    import Glibc
#endif

/// Writes `text` to standard error as it is (no newline added).
func printError(_ text: String) {
    writeAll(STDERR_FILENO, text)
}

/// Writes `text` to standard output at once, unbuffered (no newline added).
func printOutput(_ text: String) {
    writeAll(STDOUT_FILENO, text)
}

private func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// Whether standard error is a terminal.
var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

/// `value` with `digits` decimals, as `%.Nf` prints it.
func fixed(_ value: Double, _ digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.\(digits)f", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Milliseconds from `start` to now.
func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = (ContinuousClock.now - start).components
    return Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
}
