public import Renditions
import Pipeline
import PipelineAWS
import AWSClient
import Signing

/// The rendition URLs the API signs for its users (the key stays here; a browser never holds it):
/// one per preset on every completed image, and any other the policy allows on request.
public struct RenditionLinks: Sendable {
    /// Where renditions are served: the distribution's `https://DOMAIN/r`, or a local front.
    public var base: String
    public var keys: RenditionKeys
    public var policy: RenditionPolicy
    /// The stored variant set's version, written into every URL (`v:`): a new set renders from
    /// other sources, so it gets new URLs rather than the cached renders of the old one.
    public var variantSet: String?
    /// With private delivery, each URL is also a CloudFront signed URL (``EdgeSigning``).
    public var signing: EdgeSigning?

    public init(base: String, keys: RenditionKeys, policy: RenditionPolicy, variants: [VariantSpec]? = nil) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.keys = keys
        self.policy = policy
        variantSet = variants.map(Self.version)
    }

    /// The version of a variant set: the first 8 hex digits of the SHA-256 of its spec.
    public static func version(_ variants: [VariantSpec]) -> String {
        String(Digest.sha256Hex(variants.map(\.description).joined(separator: " ")).prefix(8))
    }

    /// The signed URL of `options` for `imageId`.
    public func url(_ options: RenditionOptions, imageId: String) -> String {
        var options = options
        options.version = options.version ?? variantSet
        let url = base + RenditionPath.build(options: options, imageId: imageId, keys: keys)
        return signing?.sign(url).url ?? url
    }

    /// Links from the API function's environment: `DARKROOM_RENDITION_BASE` and the keys from the
    /// secret `DARKROOM_RENDITION_KEY_SECRET` names (read once, at start); nil when no base is set
    /// (no renditions are offered).
    /// - Throws: `PipelineError` `.invalidConfiguration`; `AWSError` when the secret cannot be read.
    public static func fromEnvironment(_ environment: [String: String]) async throws -> RenditionLinks? {
        let settings = EnvironmentSettings(environment)
        guard let base = settings.optional("DARKROOM_RENDITION_BASE") else { return nil }
        let secret = try RenditionKeySecret.named(in: environment, aws: try AWSClients.configured(environment))
        let variants = try settings.optional("DARKROOM_VARIANTS").map(VariantSpec.parseList) ?? VariantSpec.defaults
        return RenditionLinks(
            base: base, keys: try await secret.read(), policy: try RenditionPolicy.fromEnvironment(environment),
            variants: variants)
    }
}
