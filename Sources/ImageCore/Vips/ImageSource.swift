#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The bytes of one input, copied once into memory that libvips may read for as long as any image
/// opened from them lives (libvips' buffer loaders do not copy).
public final class ImageSource: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    /// Number of bytes.
    public let count: Int

    /// Copies `data` (one memcpy: a generic element-by-element copy of a photo took longer than
    /// decoding it).
    public init(_ data: [UInt8]) {
        count = data.count
        bytes = .allocate(byteCount: max(count, 1), alignment: 16)
        data.withUnsafeBytes { source in
            if let base = source.baseAddress { bytes.baseAddress?.copyMemory(from: base, byteCount: count) }
        }
    }

    /// Reads a file straight into the buffer (no intermediate copies: for a 24-megapixel JPEG they
    /// were most of the process's memory beyond libvips' own).
    /// - Throws: `ImageError` `.internalFailure` when the file cannot be read.
    public init(contentsOfFile path: String) throws {
        guard let file = fopen(path, "rb") else { throw ImageError(.internalFailure, "cannot open \(path)") }
        defer { fclose(file) }
        fseek(file, 0, SEEK_END)
        let size = ftell(file)
        fseek(file, 0, SEEK_SET)
        guard size >= 0 else { throw ImageError(.internalFailure, "cannot read \(path)") }
        count = size
        bytes = .allocate(byteCount: max(size, 1), alignment: 16)
        guard size == 0 || fread(bytes.baseAddress, 1, size, file) == size else {
            bytes.deallocate()
            throw ImageError(.internalFailure, "cannot read \(path)")
        }
    }

    deinit { bytes.deallocate() }

    /// The leading bytes, for format detection.
    public func prefix(_ length: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[0..<min(length, count)]))
    }
}
