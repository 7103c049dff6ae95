public import AWSClient
public import Renditions
import Pipeline

/// The rendition signing keys, read from their Secrets Manager secret (never from a function's
/// environment): the version labelled AWSCURRENT signs, the one labelled AWSPREVIOUS is still
/// accepted. Rotating is putting a new value: Secrets Manager moves the labels.
public struct RenditionKeySecret: Sendable {
    public let secrets: SecretsManagerClient
    public let secretId: String

    public init(secrets: SecretsManagerClient, secretId: String) {
        self.secrets = secrets
        self.secretId = secretId
    }

    /// Both keys, read now.
    /// - Throws: `AWSError` when the secret cannot be read; `RenditionError` when a key is too short.
    public func read() async throws -> RenditionKeys {
        let (secrets, secretId) = (secrets, secretId)
        // Both labels at once: a cold start waits for one round trip, not two.
        async let previous = AWSBlocking.run { try secrets.secretString(secretId, stage: "AWSPREVIOUS") }
        let current = try await AWSBlocking.run { try secrets.secretString(secretId) }
        guard let current else { throw AWSError(.notFound, message: "the secret \(secretId) has no current value") }
        return try RenditionKeys(current: Array(current.utf8), previous: try await previous.map { Array($0.utf8) })
    }
}

extension RenditionKeySecret {
    /// The secret a function's `DARKROOM_RENDITION_KEY_SECRET` names (its ARN: the key itself is never
    /// in the environment), read with `aws`'s Secrets Manager client.
    /// - Throws: `PipelineError` `.invalidConfiguration` when the variable is not set.
    public static func named(in environment: [String: String], aws: AWSClients) throws -> RenditionKeySecret {
        RenditionKeySecret(
            secrets: aws.secretsManager,
            secretId: try EnvironmentSettings(environment).required("DARKROOM_RENDITION_KEY_SECRET"))
    }
}

extension AWSClients {
    /// The clients a function's environment configures.
    /// - Throws: `PipelineError` `.invalidConfiguration` with the AWS client's word for what is wrong
    ///   (no region, a malformed endpoint override): an init error that names it.
    public static func configured(_ environment: [String: String]) throws -> AWSClients {
        do {
            return try AWSClients(environment: AWSEnvironment(environment))
        } catch let error as AWSError {
            throw PipelineError(.invalidConfiguration, error.message)
        }
    }
}
