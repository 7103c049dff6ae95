public import Renditions
import Pipeline
import PipelineAWS
import AWSClient

/// The rendition URLs the API signs for its users (the key stays here; a browser never holds it):
/// one per preset on every completed image, and any other the policy allows on request.
public struct RenditionLinks: Sendable {
    /// Where renditions are served: the distribution's `https://DOMAIN/r`, or a local front.
    public var base: String
    public var keys: RenditionKeys
    public var policy: RenditionPolicy

    public init(base: String, keys: RenditionKeys, policy: RenditionPolicy) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.keys = keys
        self.policy = policy
    }

    /// The signed URL of `options` for `imageId`.
    public func url(_ options: RenditionOptions, imageId: String) -> String {
        base + RenditionPath.build(options: options, imageId: imageId, keys: keys)
    }

    /// Links from the API function's environment: `DARKROOM_RENDITION_BASE` and the keys from the
    /// secret `DARKROOM_RENDITION_KEY_SECRET` names (read once, at start); nil when no base is set
    /// (no renditions are offered).
    /// - Throws: `PipelineError` `.invalidConfiguration`; `AWSError` when the secret cannot be read.
    public static func fromEnvironment(_ environment: [String: String]) async throws -> RenditionLinks? {
        let settings = EnvironmentSettings(environment)
        guard let base = settings.optional("DARKROOM_RENDITION_BASE") else { return nil }
        let aws: AWSClients
        do {
            aws = try AWSClients(environment: AWSEnvironment(environment))
        } catch let error as AWSError {
            throw PipelineError(.invalidConfiguration, error.message)
        }
        let secret = RenditionKeySecret(
            secrets: aws.secretsManager, secretId: try settings.required("DARKROOM_RENDITION_KEY_SECRET"))
        return RenditionLinks(
            base: base, keys: try await secret.read(), policy: try RenditionPolicy.fromEnvironment(environment))
    }
}
