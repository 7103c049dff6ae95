#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Secrets Manager over its JSON protocol (`X-Amz-Target: secretsmanager.<Operation>`); only
/// reading a secret's value.
public struct SecretsManagerClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    /// The string value of `secretId` at the version labelled `stage` (`AWSCURRENT`, `AWSPREVIOUS`),
    /// or nil when the secret has no version with that label.
    /// - Throws: `AWSError` (`.notFound` when the secret itself does not exist, `.accessDenied`).
    public func secretString(_ secretId: String, stage: String = "AWSCURRENT", deadline: Date? = nil) throws
        -> String?
    {
        do {
            let json = try client.callJSON(
                "GetSecretValue", .object(["SecretId": .string(secretId), "VersionStage": .string(stage)]),
                protocol: .init(version: "1.1", targetPrefix: "secretsmanager"), deadline: deadline)
            guard let value = json["SecretString"]?.string else {
                throw AWSError(.invalidResponse, message: "GetSecretValue of \(secretId) answered no SecretString")
            }
            return value
        } catch let error as AWSError where error.kind == .notFound && stage != "AWSCURRENT" {
            // Asked for a label no version has (a secret never rotated has no AWSPREVIOUS).
            return nil
        }
    }
}
