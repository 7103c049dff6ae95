/// Removes the EXIF and XMP chunks from a WebP file.
///
/// libvips 8.14's WebP saver writes an EXIF chunk even with `strip` set (rebuilt from whatever
/// `exif-*` fields it finds, or a fresh minimal block when there are none). Published outputs must
/// carry no EXIF at all, so the chunks are dropped from the RIFF container after saving, and the
/// VP8X header's EXIF and XMP flags cleared.
enum WebPMetadataStripper {
    static func strip(_ webp: [UInt8]) -> [UInt8] {
        guard webp.count >= 12, webp[0..<4].elementsEqual("RIFF".utf8), webp[8..<12].elementsEqual("WEBP".utf8) else {
            return webp
        }
        var body: [UInt8] = Array("WEBP".utf8)
        var offset = 12
        while offset + 8 <= webp.count {
            let tag = String(decoding: webp[offset..<offset + 4], as: UTF8.self)
            let size =
                Int(webp[offset + 4]) | Int(webp[offset + 5]) << 8 | Int(webp[offset + 6]) << 16 | Int(webp[offset + 7])
                << 24
            let end = offset + 8 + size + (size & 1)
            guard end <= webp.count else { return webp }
            if tag != "EXIF" && tag != "XMP " {
                var chunk = Array(webp[offset..<end])
                // VP8X flags byte: bit 3 = EXIF present, bit 2 = XMP present.
                if tag == "VP8X" && chunk.count > 8 { chunk[8] &= ~UInt8(0b0000_1100) }
                body += chunk
            }
            offset = end
        }
        let size = UInt32(body.count)
        return Array("RIFF".utf8) + [
            UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24),
        ] + body
    }
}
