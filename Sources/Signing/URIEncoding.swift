/// Percent-encoding as SigV4 defines it: every byte but the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) becomes `%XY` with upper-case hex, UTF-8 first.
public enum URIEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
    }

    /// Encodes a query name or value (and `/` too).
    public static func encode(_ text: String) -> String { encode(text, keepingSlash: false) }

    /// Encodes a path, keeping its `/` separators.
    public static func encodePath(_ path: String) -> String { encode(path, keepingSlash: true) }

    private static func encode(_ text: String, keepingSlash: Bool) -> String {
        // Most names, values and paths need no escape: the text is its own encoding.
        if text.utf8.allSatisfy({ isUnreserved($0) || (keepingSlash && $0 == 0x2F) }) { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == 0x2F) {
                output.append(byte)
            } else {
                output.append(0x25)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XY` escapes (a `+` stays a `+`); malformed escapes are kept as they are.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x25, index + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
