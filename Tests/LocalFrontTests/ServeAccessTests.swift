import LocalFront
import Testing

/// Who may use `darkroom serve`: a token is made at start whenever it listens beyond loopback.
@Suite struct ServeAccessTests {
    @Test func offLoopbackATokenIsAlwaysMade() throws {
        #expect(try ServeAccess.token(for: "127.0.0.1", given: nil) == nil)
        #expect(try ServeAccess.token(for: "localhost", given: nil) == nil)
        #expect(try ServeAccess.token(for: "0.0.0.0", given: nil, make: { "made" }) == "made")
        #expect(try ServeAccess.token(for: "192.168.1.20", given: nil, make: { "made" }) == "made")
        let given = "a-token-of-sixteen-or-more"
        #expect(try ServeAccess.token(for: "0.0.0.0", given: given, make: { "made" }) == given)
        #expect(try ServeAccess.token(for: "127.0.0.1", given: given) == given)
        #expect(throws: ServeAccess.TooShort.self) { try ServeAccess.token(for: "0.0.0.0", given: "short") }
    }

    @Test func aMadeTokenIs128RandomBits() {
        let first = ServeAccess.randomToken()
        #expect(first.count == 32 && first.allSatisfy(\.isHexDigit))
        #expect(first != ServeAccess.randomToken())
    }
}
