#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
public import API
import Signing

/// Signed links to the files `darkroom serve` serves: `/files/{bucket}/{key}?expires=&signature=`.
public struct LocalLinks: VariantLinks {
    let signer: LocalSigner
    let expires: Int
    let clock: @Sendable () -> Date

    public init(signer: LocalSigner, expires: Int = 3_600, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.expires = expires
        self.clock = clock
    }

    public func link(bucket: String, key: String) throws -> VariantLink {
        let until = Int(clock().timeIntervalSince1970) + expires
        let path = "/files/\(bucket)/\(key)"
        let url =
            "\(signer.base)\(URIEncoding.encodePath(path))?expires=\(until)&signature=\(signer.mac("\(path)\n\(until)"))"
        return VariantLink(url: url, expiresAt: Date(timeIntervalSince1970: TimeInterval(until)))
    }

    /// Whether a request for `path` (decoded) carries a signature of it that has not expired.
    public func verify(path: String, expires: String?, signature: String?, now: Date = Date()) -> Bool {
        guard let expires, let until = Int(expires), let signature, Double(until) >= now.timeIntervalSince1970 else {
            return false
        }
        return LocalSigner.same(signer.mac("\(path)\n\(until)"), signature)
    }
}
