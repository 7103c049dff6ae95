public import AWSClient
public import Renditions

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
        return try await AWSBlocking.run {
            guard let current = try secrets.secretString(secretId) else {
                throw AWSError(.notFound, message: "the secret \(secretId) has no current value")
            }
            let previous = try secrets.secretString(secretId, stage: "AWSPREVIOUS")
            return try RenditionKeys(current: Array(current.utf8), previous: previous.map { Array($0.utf8) })
        }
    }
}
