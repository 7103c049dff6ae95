#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Signing

/// Upload ids: 64 random bits, the form's expiry (seconds since 1970) and 64 bits of an HMAC of
/// both and the owner. Whether an upload never came or is still on its way is told without storing
/// anything, and an id is good only for the owner it was made for: any other caller gets a 404.
struct UploadID {
    let key: [UInt8]

    func make(owner: String, expiresAt: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let seconds = UInt32(clamping: Int(expiresAt.timeIntervalSince1970))
        let body = Digest.hex(random + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: seconds >> $0) })
        return body + mac(body, owner: owner)
    }

    /// When the form of upload `id` expires; nil when `id` is not an upload id made for `owner`.
    func expiry(_ id: String, owner: String) -> Date? {
        guard id.utf8.count == 40, id.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        let body = String(id.prefix(24))
        guard Digest.equalInConstantTime(Array(mac(body, owner: owner).utf8), Array(id.suffix(16).utf8)),
            let seconds = UInt32(body.suffix(8), radix: 16)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private func mac(_ body: String, owner: String) -> String {
        String(Digest.hex(Digest.hmacSHA256(key: key, message: Array("upload\n\(owner)\n\(body)".utf8))).prefix(16))
    }
}
