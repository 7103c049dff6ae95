import FuzzDriver
import Glibc
import ImageCore

// Format detection, the hand-read declared sizes, libvips' header read and the EXIF and ICC
// parsers, on arbitrary bytes: nothing may crash, whatever comes in.
let fuzzOne: FuzzInput = { data, size in
    let bytes = bytes(data, size)
    _ = FormatDetection(prefix: bytes)
    _ = ExifData(block: bytes)
    _ = ICCProfile.description(bytes)
    if let header = try? ImageHeader.read(ImageSource(bytes), limits: ImageLimits(maxPixels: 4_000_000)) {
        _ = header.exif
        _ = header.iccProfileDescription
    }
    return 0
}

exit(runFuzzer(fuzzOne))
