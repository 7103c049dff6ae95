import MediaTypes
/// The dimensions a file declares in its own header, read by hand before libvips sees the bytes.
///
/// libvips reads them too, but some decoders refuse a huge size with a generic error (libjpeg stops
/// at 65,500 pixels a side) where the honest answer is "too many pixels", and reading them here
/// keeps a pixel bomb away from the decoders entirely. Formats not covered here (TIFF, HEIF) are
/// checked from libvips' header read.
enum DeclaredSize {
    static func read(_ bytes: UnsafeRawBufferPointer, format: ImageFormat) -> (width: Int, height: Int)? {
        switch format {
        case .jpeg: jpeg(bytes)
        case .png: bytes.count >= 24 ? (be32(bytes, 16), be32(bytes, 20)) : nil
        case .gif: bytes.count >= 10 ? (le16(bytes, 6), le16(bytes, 8)) : nil
        case .webp: webp(bytes)
        case .heic, .avif, .tiff: nil
        }
    }

    private static func be16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { Int(b[at]) << 8 | Int(b[at + 1]) }
    private static func be32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { be16(b, at) << 16 | be16(b, at + 2) }
    private static func le16(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    private static func le24(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { le16(b, at) | Int(b[at + 2]) << 16 }

    // Walks the marker segments to the first start-of-frame (SOF0-SOF15 but DHT, JPG and DAC).
    private static func jpeg(_ b: UnsafeRawBufferPointer) -> (Int, Int)? {
        var at = 2
        while at + 9 < b.count {
            guard b[at] == 0xFF else { return nil }
            let marker = b[at + 1]
            if marker == 0xFF { at += 1; continue }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { at += 2; continue }
            if marker == 0xD9 || marker == 0xDA { return nil }
            let length = be16(b, at + 2)
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (be16(b, at + 7), be16(b, at + 5))
            }
            guard length >= 2 else { return nil }
            at += 2 + length
        }
        return nil
    }

    private static func webp(_ b: UnsafeRawBufferPointer) -> (Int, Int)? {
        guard b.count >= 30 else { return nil }
        switch (b[12], b[13], b[14], b[15]) {
        case (0x56, 0x50, 0x38, 0x58):  // "VP8X": canvas size, 24 bits each, minus one
            return (le24(b, 24) + 1, le24(b, 27) + 1)
        case (0x56, 0x50, 0x38, 0x20):  // "VP8 ": key frame header
            return (le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF)
        case (0x56, 0x50, 0x38, 0x4C):  // "VP8L": 14 bits each, minus one
            let bits = Int(b[21]) | Int(b[22]) << 8 | Int(b[23]) << 16 | Int(b[24]) << 24
            return ((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
        default:
            return nil
        }
    }
}
