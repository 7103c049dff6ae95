/// One input for a harness, as libFuzzer hands it over.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzInput
) -> CInt

/// Runs libFuzzer's driver (from its no-main library: each harness is a Swift program with its own
/// main) with `callback`, on the command line's arguments.
/// - Returns: libFuzzer's exit status.
public func runFuzzer(_ callback: FuzzInput) -> CInt {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    return runDriver(&argc, &argv, callback)
}

/// The bytes of an input.
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
}
