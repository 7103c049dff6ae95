import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Signing

/// List cursors: where a page ended, for whom and for which filters, sealed with an HMAC so that
/// no one can forge one, change it, or use it for another owner or other filters.
struct CursorSeal: Sendable {
    let key: [UInt8]

    struct Content: Codable, Equatable {
        /// The owner.
        var o: String
        /// The filters of the query it continues.
        var f: String
        /// The position (the index keys of the last item).
        var k: [String: String]
    }

    func seal(_ position: [String: String], owner: String, filters: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same position seals to the same cursor in every process
        let payload = Self.base64URL(
            (try? encoder.encode(Content(o: owner, f: filters, k: position))).map(Array.init) ?? [])
        return payload + "." + Self.base64URL(Digest.hmacSHA256(key: key, message: Array(payload.utf8)))
    }

    /// The position `cursor` names.
    /// - Throws: `Problem` 400 `bad_cursor` for a cursor this key did not seal, or sealed for
    ///   another owner or other filters.
    func open(_ cursor: String, owner: String, filters: String) throws -> [String: String] {
        let bad = Problem(
            400, "bad_cursor", "The cursor is not one this API handed out for this list; start again without it.")
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let mac = Self.bytes(base64URL: String(parts[1])) else { throw bad }
        let expected = Digest.hmacSHA256(key: key, message: Array(parts[0].utf8))
        guard Digest.equalInConstantTime(mac, expected),
            let payload = Self.bytes(base64URL: String(parts[0])),
            let content = try? JSONDecoder().decode(Content.self, from: Data(payload)),
            content.o == owner, content.f == filters
        else { throw bad }
        return content.k
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    /// The bytes of `text`, only when `text` is their one encoding: the last character of a
    /// base64 text carries unused bits, and a text that differs only there (`...A` for `...B`) would
    /// otherwise open as the same bytes. A cursor is refused if any character of it changed.
    static func bytes(base64URL text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var standard = text.replacing("-", with: "+").replacing("_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        guard let bytes = Data(base64Encoded: standard).map(Array.init), base64URL(bytes) == text else { return nil }
        return bytes
    }
}
