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

    /// Every OpenSSL result is checked: a digest that failed must never come out as 32 zero bytes
    /// (every upload would then share one id, and every signature be wrong). Such a failure means
    /// the crypto library itself is broken, which no caller can mend, so the process stops with
    /// OpenSSL's reason rather than carry on with a wrong hash.
    private static func require(_ succeeded: Bool, _ step: String) {
        guard succeeded else {
            let code = ERR_get_error()
            var reason = [CChar](repeating: 0, count: 256)
            if code != 0 { ERR_error_string_n(code, &reason, reason.count) }
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            fatalError("OpenSSL SHA-256 failed at \(step)\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    static func sha256(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        require(sha256Algorithm != nil, "EVP_MD_fetch")
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        require(
            EVP_Digest(buffer.baseAddress, buffer.count, &output, &length, sha256Algorithm, nil) == 1 && length == 32,
            "EVP_Digest")
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

    /// Whether two MACs (or tokens) are equal, in time that does not depend on where they differ.
    public static func equalInConstantTime(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        a.count == b.count && zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// HMAC-SHA256 of `message` under `key` (RFC 2104, over the SHA-256 above).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let block = key.count > 64 ? sha256(key) : key
        // The padded key and the message are hashed in pieces: nothing is concatenated.
        var pads = [UInt8](repeating: 0x36, count: 64) + [UInt8](repeating: 0x5C, count: 64)
        for index in block.indices {
            pads[index] ^= block[index]
            pads[64 + index] ^= block[index]
        }
        return pads.withUnsafeBytes { pad in
            let innerDigest = message.withUnsafeBytes {
                sha256(pieces: [UnsafeRawBufferPointer(rebasing: pad[..<64]), $0])
            }
            return innerDigest.withUnsafeBytes { sha256(pieces: [UnsafeRawBufferPointer(rebasing: pad[64...]), $0]) }
        }
    }

    /// The SHA-256 of the pieces one after the other.
    static func sha256(pieces: [UnsafeRawBufferPointer]) -> [UInt8] {
        require(sha256Algorithm != nil, "EVP_MD_fetch")
        let context = EVP_MD_CTX_new()
        require(context != nil, "EVP_MD_CTX_new")
        defer { EVP_MD_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        require(EVP_DigestInit_ex(context, sha256Algorithm, nil) == 1, "EVP_DigestInit_ex")
        for piece in pieces {
            require(EVP_DigestUpdate(context, piece.baseAddress, piece.count) == 1, "EVP_DigestUpdate")
        }
        require(EVP_DigestFinal_ex(context, &output, &length) == 1 && length == 32, "EVP_DigestFinal_ex")
        return output
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        var text = [UInt8]()
        appendHex(bytes, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the lowercase hex of `bytes` to `text`.
    public static func appendHex(_ bytes: some Collection<UInt8>, to text: inout [UInt8]) {
        text.reserveCapacity(text.count + bytes.count * 2)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
