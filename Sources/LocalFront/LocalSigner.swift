import Signing

/// What `darkroom serve` hands out in place of S3's presigned URLs and POST policies: links and
/// forms to itself, signed with a key of the process, checked as S3 checks its own.
public struct LocalSigner: Sendable {
    let key: [UInt8]
    /// Where the server is reached (`http://127.0.0.1:8080`).
    public let base: String

    public init(key: [UInt8], base: String) {
        self.key = key
        self.base = base
    }

    func mac(_ text: String) -> String { Digest.hex(Digest.hmacSHA256(key: key, message: Array(text.utf8))) }

    /// Whether `a` and `b` are the same, in time that does not depend on where they differ.
    public static func same(_ a: String, _ b: String) -> Bool {
        Digest.equalInConstantTime(Array(a.utf8), Array(b.utf8))
    }
}
