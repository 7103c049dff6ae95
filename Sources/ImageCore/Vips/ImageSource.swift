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

    /// Copies `data`.
    public init(_ data: some Collection<UInt8>) {
        count = data.count
        bytes = .allocate(byteCount: max(count, 1), alignment: 16)
        _ = bytes.initializeMemory(as: UInt8.self, from: data)
    }

    deinit { bytes.deallocate() }

    /// The leading bytes, for format detection.
    public func prefix(_ length: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[0..<min(length, count)]))
    }
}
