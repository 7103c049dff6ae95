import Signing

/// The keys rendition URLs are signed with: the current one signs, the current and the previous one
/// are accepted, so a key can be rotated without breaking the URLs already handed out.
public struct RenditionKeys: Sendable {
    private let current: [UInt8]
    private let previous: [UInt8]?

    /// - Throws: `RenditionError` `.badSignature` when a key is shorter than 32 bytes (a short HMAC
    ///   key is a guessable one).
    public init(current: [UInt8], previous: [UInt8]? = nil) throws {
        for key in [current, previous ?? current] where key.count < 32 {
            throw RenditionError(.badSignature, "a rendition key must have at least 32 bytes, not \(key.count)")
        }
        self.current = current
        self.previous = previous
    }

    /// The URL-safe base64 (unpadded) HMAC-SHA256 of `signed` under the current key.
    public func sign(_ signed: String) -> String { Self.signature(signed, key: current) }

    /// Whether `signature` is `signed`'s under the current or the previous key (compared in
    /// constant time).
    public func accepts(_ signature: String, for signed: String) -> Bool {
        let given = Array(signature.utf8)
        var accepted = Digest.equalInConstantTime(given, Array(Self.signature(signed, key: current).utf8))
        if let previous {
            accepted = Digest.equalInConstantTime(given, Array(Self.signature(signed, key: previous).utf8)) || accepted
        }
        return accepted
    }

    static func signature(_ signed: String, key: [UInt8]) -> String {
        base64URL(Digest.hmacSHA256(key: key, message: Array(signed.utf8)))
    }

    /// RFC 4648 section 5, without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(0) { $0 | (Int($1.element) << (16 - 8 * $1.offset)) }
            for position in 0...chunk.count { out.append(alphabet[(value >> (18 - 6 * position)) & 63]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
