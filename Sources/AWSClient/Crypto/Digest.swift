internal import CCrypto

/// SHA-256 and HMAC-SHA256 through OpenSSL, the primitives SigV4 and content hashes are built on.
public enum Digest {
    /// The SHA-256 of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        // Contiguous input goes straight to OpenSSL; anything else is gathered first.
        if let digest = bytes.withContiguousStorageIfAvailable({ sha256(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(bytes).withUnsafeBytes { sha256($0) }
    }

    // SHA-256 fetched from OpenSSL's provider once: its one-shot SHA256() and HMAC() look the
    // algorithm up on every call, which cost more than the hashing for SigV4's short messages.
    nonisolated(unsafe) private static let sha256Algorithm = EVP_MD_fetch(nil, "SHA256", nil)

    static func sha256(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(buffer.baseAddress, buffer.count, &output, &length, sha256Algorithm, nil)
        return output
    }

    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        hex(sha256(bytes))
    }

    /// The SHA-256 of a string's UTF-8 bytes as lowercase hex.
    public static func sha256Hex(_ text: String) -> String {
        hex(sha256(Array(text.utf8)))
    }

    /// HMAC-SHA256 of `message` under `key` (RFC 2104, over the SHA-256 above).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? sha256(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = block.map { $0 ^ 0x36 }
        inner += message
        var outer = block.map { $0 ^ 0x5C }
        outer += sha256(inner)
        return sha256(outer)
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
