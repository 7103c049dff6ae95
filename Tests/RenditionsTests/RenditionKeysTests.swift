import Foundation
import Testing

@testable import Renditions

@Suite struct RenditionKeysTests {
    let old = Array("the previous key, thirty-two bytes or more".utf8)
    let new = Array("the current key, also thirty-two bytes long".utf8)
    let other = Array("a key this deployment never had, 32+ bytes".utf8)

    @Test func theSignatureIsURLSafeBase64OfHMACSHA256() {
        // RFC 4231, test case 1: key 0x0b x 20, "Hi There".
        #expect(
            RenditionKeys.signature("Hi There", key: [UInt8](repeating: 0x0b, count: 20))
                == "sDRMYdjbOFNcqK_OrwvxK4gdwgDJgz2nJuk3bC4yz_c")
        #expect(
            RenditionKeys.base64URL([0xfb, 0xff, 0xfe]) == "-__-" && RenditionKeys.base64URL(Array("ab".utf8)) == "YWI")
    }

    @Test func theCurrentAndThePreviousKeyAreAcceptedAndNoOther() throws {
        let before = try RenditionKeys(current: old)
        let during = try RenditionKeys(current: new, previous: old)
        let signedBefore = before.sign("/pr:w640/abc")
        #expect(during.accepts(signedBefore, for: "/pr:w640/abc"))
        #expect(during.accepts(during.sign("/pr:w640/abc"), for: "/pr:w640/abc"))
        #expect(!during.accepts(signedBefore, for: "/pr:w960/abc"))
        #expect(!during.accepts(try RenditionKeys(current: other).sign("/pr:w640/abc"), for: "/pr:w640/abc"))
        #expect(!during.accepts("", for: "/pr:w640/abc"))
        #expect(throws: RenditionError.self) { try RenditionKeys(current: Array("short".utf8)) }
    }

    @Test func aBuiltPathVerifies() throws {
        let keys = try RenditionKeys(current: new)
        let path = RenditionPath.build(
            options: RenditionOptions(fit: .fit, width: 480, height: 0, quality: 80), imageId: "abc", keys: keys)
        #expect(path.hasPrefix("/abc/") && path.hasSuffix("/rs:fit:480:0/q:80/abc"))
        let verified = try RenditionPath.verify(path, keys: keys, policy: RenditionPolicy())
        #expect(verified.imageId == "abc" && verified.spec.width == 480)
        let tampered = path.replacingOccurrences(of: "480", with: "481")
        #expect { try RenditionPath.verify(tampered, keys: keys, policy: RenditionPolicy()) } throws: {
            ($0 as? RenditionError)?.code == .badSignature
        }
    }
}
