#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
internal import CCrypto

/// CloudFront signed URLs with a canned policy (CloudFront Developer Guide, "Create a signed URL
/// using a canned policy"): the policy `{"Statement":[{"Resource":URL,"Condition":{"DateLessThan":
/// {"AWS:EpochTime":EXPIRES}}}]}` with no white space, signed with RSA-SHA1 (PKCS #1 v1.5) under
/// a key whose public half is in the distribution's trusted key group, base64 with CloudFront's
/// URL-safe characters (`+` `-`, `=` `_`, `/` `~`), then `Expires`, `Signature` and `Key-Pair-Id`
/// added to the query. No I/O: the key is given as PEM text.
public final class CloudFrontURLSigner: Sendable {
    /// The public key's id in CloudFront (the `AWS::CloudFront::PublicKey` resource's id).
    public let keyPairId: String
    // An EVP_PKEY, never changed after init; OpenSSL's signing with it is safe from many threads.
    nonisolated(unsafe) private let key: OpaquePointer

    public struct BadKey: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Throws: ``BadKey`` when `privateKeyPEM` is not an RSA private key in PEM.
    public init(privateKeyPEM: String, keyPairId: String) throws {
        let bytes = Array(privateKeyPEM.utf8)
        let read: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let read else {
            ERR_clear_error()
            throw BadKey(description: "the CloudFront signing key is not a private key in PEM")
        }
        guard EVP_PKEY_get_base_id(read) == EVP_PKEY_RSA else {
            EVP_PKEY_free(read)
            throw BadKey(description: "the CloudFront signing key must be an RSA key (CloudFront takes RSA 2048)")
        }
        key = read
        self.keyPairId = keyPairId
    }

    deinit { EVP_PKEY_free(key) }

    /// The canned policy for `url` until `expires` (seconds since 1970), as CloudFront rebuilds it.
    public static func cannedPolicy(url: String, expires: Int) -> String {
        #"{"Statement":[{"Resource":"\#(url)","Condition":{"DateLessThan":{"AWS:EpochTime":\#(expires)}}}]}"#
    }

    /// `url` (with or without a query) signed until `expires`.
    public func sign(_ url: String, expires: Int) -> String {
        let signature = Self.urlSafe(Data(rsaSHA1(Array(Self.cannedPolicy(url: url, expires: expires).utf8))))
        let separator = url.contains("?") ? "&" : "?"
        return "\(url)\(separator)Expires=\(expires)&Signature=\(signature)&Key-Pair-Id=\(keyPairId)"
    }

    /// Base64 with CloudFront's substitutions for characters a URL cannot carry as they are.
    static func urlSafe(_ bytes: Data) -> String {
        String(
            bytes.base64EncodedString().map { character -> Character in
                switch character {
                case "+": "-"
                case "=": "_"
                case "/": "~"
                default: character
                }
            })
    }

    private func rsaSHA1(_ message: [UInt8]) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not make a digest context") }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        guard EVP_DigestSignInit(context, nil, EVP_sha1(), nil, key) == 1,
            EVP_DigestSignUpdate(context, message, message.count) == 1,
            EVP_DigestSignFinal(context, nil, &length) == 1
        else { fatalError("OpenSSL could not sign with the CloudFront key: \(Self.reason())") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSignFinal(context, &signature, &length) == 1 else {
            fatalError("OpenSSL could not sign with the CloudFront key: \(Self.reason())")
        }
        return Array(signature.prefix(length))
    }

    private static func reason() -> String {
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(ERR_get_error(), &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
