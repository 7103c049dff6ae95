import AWSClient
import Pipeline
import PipelineAWS

/// The API secret (from which the cursor and upload-id keys are derived, ``APIConfig``), read once
/// at start from the Secrets Manager secret `DARKROOM_API_SECRET_ID` names. It is never in the
/// function's environment, where anyone allowed `lambda:GetFunctionConfiguration` reads it; only
/// the secret's ARN is. Locally (`darkroom serve`, tests), `DARKROOM_API_SECRET` gives it as is.
public enum APISecret {
    /// `environment` with `DARKROOM_API_SECRET` set from the secret `DARKROOM_API_SECRET_ID` names
    /// (a copy for the configuration: the process environment is left alone); unchanged when no
    /// secret is named.
    /// - Throws: `AWSError` when the secret cannot be read; `PipelineError` `.invalidConfiguration`.
    public static func resolved(_ environment: [String: String]) async throws -> [String: String] {
        guard let secretId = EnvironmentSettings(environment).optional("DARKROOM_API_SECRET_ID") else {
            return environment
        }
        var resolved = environment
        resolved["DARKROOM_API_SECRET"] = try await currentValue(secretId, environment)
        return resolved
    }

    /// The current value of the secret `secretId`, read once at start (off the cooperative pool).
    /// - Throws: `AWSError` `.notFound` when it has none; `PipelineError` `.invalidConfiguration`.
    static func currentValue(_ secretId: String, _ environment: [String: String]) async throws -> String {
        let secrets = try AWSClients.configured(environment).secretsManager
        guard let value = try await AWSBlocking.run({ try secrets.secretString(secretId) }) else {
            throw AWSError(.notFound, message: "the secret \(secretId) has no current value")
        }
        return value
    }
}
