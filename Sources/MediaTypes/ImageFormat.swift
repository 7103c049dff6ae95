/// The input formats Darkroom accepts, recognised by their magic bytes.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg, png, webp, gif, heic, avif, tiff

    /// The MIME type of the format.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .heic: "image/heic"
        case .avif: "image/avif"
        case .tiff: "image/tiff"
        }
    }

    /// The file extension Darkroom gives an original in this format (the archive's
    /// `original.tiff`, the set-aside copy's): `jpg` for JPEG, else the format's own name.
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }
}

/// What the first bytes of a file are: an accepted format, or a description of what was found.
public enum FormatDetection: Sendable, Equatable {
    case accepted(ImageFormat)
    /// Not an accepted format; the text names what was found ("SVG", "PDF", "ZIP archive", "text", ...).
    case rejected(found: String)

    /// Looks at the leading bytes: 64 are enough for the binary formats; text formats (SVG behind
    /// an XML prolog and a DOCTYPE) are recognised better with a kilobyte.
    public init(prefix bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(1024))
        if let format = Self.acceptedFormat(Array(head.prefix(64))) {
            self = .accepted(format)
        } else {
            self = .rejected(found: Self.describeRejected(head))
        }
    }

    private static func starts(_ head: [UInt8], _ magic: [UInt8], at offset: Int = 0) -> Bool {
        head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
    }

    private static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func acceptedFormat(_ head: [UInt8]) -> ImageFormat? {
        if starts(head, [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(head, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(head, ascii("GIF87a")) || starts(head, ascii("GIF89a")) { return .gif }
        if starts(head, ascii("RIFF")) && starts(head, ascii("WEBP"), at: 8) { return .webp }
        if starts(head, [0x49, 0x49, 0x2A, 0x00]) || starts(head, [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(head, ascii("ftyp"), at: 4) { return isoBrand(head) }
        return nil
    }

    // An ISO base media file: the major brand, then the compatible brands, name the codec.
    private static func isoBrand(_ head: [UInt8]) -> ImageFormat? {
        guard head.count >= 12 else { return nil }
        let boxSize = Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3])
        let end = min(max(boxSize, 16), head.count)
        var brands: [String] = []
        var offset = 8
        while offset + 4 <= end {
            if offset != 12 { brands.append(String(decoding: head[offset..<offset + 4], as: UTF8.self)) }
            offset += 4
        }
        if brands.contains(where: { ["avif", "avis"].contains($0) }) { return .avif }
        if brands.contains(where: { ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"].contains($0) }) {
            return .heic
        }
        return nil
    }

    private static func describeRejected(_ head: [UInt8]) -> String {
        if head.isEmpty { return "empty file" }
        let text = String(decoding: head, as: UTF8.self).lowercased()
        let trimmed = text.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" })
        if starts(head, ascii("%PDF")) { return "PDF" }
        if trimmed.hasPrefix("<svg") || (trimmed.hasPrefix("<?xml") && text.contains("<svg")) { return "SVG" }
        if trimmed.hasPrefix("<?xml") || trimmed.hasPrefix("<!doctype") || trimmed.hasPrefix("<") {
            return trimmed.contains("html") ? "HTML" : "XML"
        }
        if starts(head, [0x50, 0x4B, 0x03, 0x04]) { return "ZIP archive" }
        if starts(head, [0x1F, 0x8B]) { return "gzip archive" }
        if starts(head, ascii("Rar!")) { return "RAR archive" }
        if starts(head, [0x37, 0x7A, 0xBC, 0xAF]) { return "7z archive" }
        if starts(head, ascii("BM")) { return "BMP image" }
        if starts(head, ascii("8BPS")) { return "Photoshop document" }
        if starts(head, [0xFF, 0x0A]) || starts(head, [0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            return "JPEG XL image"
        }
        if starts(head, [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20]) { return "JPEG 2000 image" }
        if starts(head, ascii("ftyp"), at: 4) { return "ISO media file of an unsupported brand" }
        if starts(head, [0x7F, 0x45, 0x4C, 0x46]) { return "ELF executable" }
        if head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20..<0x7F).contains($0) || $0 >= 0x80 }) {
            return "text"
        }
        return "unknown binary data"
    }
}
