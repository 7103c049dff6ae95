import Glibc
import ImageCore

// Format detection, the hand-read declared sizes, libvips' header read and the EXIF and ICC
// parsers, on arbitrary bytes: nothing may crash, whatever comes in.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = FormatDetection(prefix: bytes)
    _ = ExifData(block: bytes)
    _ = ICCProfile.description(bytes)
    if let header = try? ImageHeader.read(ImageSource(bytes), limits: ImageLimits(maxPixels: 4_000_000)) {
        _ = header.exif
        _ = header.iccProfileDescription
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// libFuzzer without its own main (the Swift program has one): run its driver with our callback.
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzer(&argc, &argv, fuzzOne))
