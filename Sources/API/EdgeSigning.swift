public import Signing
import AWSClient
import Pipeline
import PipelineAWS
#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Private delivery (docs/api.md, "Private delivery"): every variant and rendition URL the API
/// hands out is a CloudFront signed URL good for ``lifetime`` seconds at least, and the
/// distribution's trusted key group refuses any other. The expiry is rounded up to a step of half
/// the lifetime, so the links given within one step are the same URL and a browser's cache of
/// them holds; a link lives from one lifetime to one and a half.
public struct EdgeSigning: Sendable {
    public let signer: CloudFrontURLSigner
    public let lifetime: Int
    public let clock: @Sendable () -> Date

    public init(signer: CloudFrontURLSigner, lifetime: Int, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.lifetime = max(lifetime, 60)
        self.clock = clock
    }

    /// When a link made at `now` expires (seconds since 1970).
    public static func expiry(now: Double, lifetime: Int) -> Int {
        let step = max(lifetime / 2, 1)
        let earliest = Int(now.rounded(.up)) + lifetime
        return (earliest + step - 1) / step * step
    }

    public func sign(_ url: String) -> (url: String, expiresAt: Date) {
        let expires = Self.expiry(now: clock().timeIntervalSince1970, lifetime: lifetime)
        return (signer.sign(url, expires: expires), Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    /// Signing from the api function's environment: `DARKROOM_CDN_KEY_PAIR_ID` (the public key's id
    /// in CloudFront) and the private key read once, at start, from the secret
    /// `DARKROOM_CDN_SIGNING_KEY_SECRET` names; `DARKROOM_CDN_URL_EXPIRY_SECONDS` (default 3600).
    /// nil when no key pair is named (URLs are then plain).
    /// - Throws: `PipelineError` `.invalidConfiguration` for a missing secret or a key that is not
    ///   RSA in PEM; `AWSError` when the secret cannot be read.
    public static func fromEnvironment(_ environment: [String: String]) async throws -> EdgeSigning? {
        let settings = EnvironmentSettings(environment)
        guard let keyPairId = settings.optional("DARKROOM_CDN_KEY_PAIR_ID") else { return nil }
        let secret = try settings.required("DARKROOM_CDN_SIGNING_KEY_SECRET")
        let pem = try await APISecret.currentValue(secret, environment)
        do {
            return EdgeSigning(
                signer: try CloudFrontURLSigner(privateKeyPEM: pem, keyPairId: keyPairId),
                lifetime: try settings.number("DARKROOM_CDN_URL_EXPIRY_SECONDS", default: 3_600))
        } catch let error as CloudFrontURLSigner.BadKey {
            throw PipelineError(.invalidConfiguration, "DARKROOM_CDN_SIGNING_KEY_SECRET: \(error.description)")
        }
    }
}
