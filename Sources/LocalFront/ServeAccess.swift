import Signing

/// Who may use `darkroom serve` (docs/hardening.md, "`darkroom serve` facing a hostile page"):
/// on loopback, whoever the operator's own machine lets reach it, unless a token is given; on any
/// other address, only a caller with the token, which is made at start when none is given.
public enum ServeAccess {
    /// The shortest token taken: 16 characters; a made one has 32 (128 bits).
    public static let shortestToken = 16

    /// Whether `address` (IPv4, or `localhost`) is this machine's loopback.
    public static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address.hasPrefix("127.")
    }

    /// The token every API and upload request must carry: `given`, else one made by `make` when
    /// `address` is not loopback, else none.
    /// - Throws: ``TooShort`` for a given token under ``shortestToken`` characters.
    public static func token(
        for address: String, given: String?, make: () -> String = ServeAccess.randomToken
    ) throws -> String? {
        if let given {
            guard given.count >= shortestToken else { throw TooShort() }
            return given
        }
        return isLoopback(address) ? nil : make()
    }

    public struct TooShort: Error {}

    /// 32 hex digits from the system's random source.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Digest.hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
