#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import HTTPMessage
import Signing

/// The shared files: `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`) and `~/.aws/config`
/// (`AWS_CONFIG_FILE`), profile `AWS_PROFILE` (default `default`). For local use.
public struct ProfileCredentialProvider: CredentialProvider {
    private let environment: AWSEnvironment
    public init(environment: AWSEnvironment) { self.environment = environment }

    public func credentials() throws -> Credentials {
        let profile = ProfileFile.profileName(environment)
        for (path, section) in ProfileFile.files(environment, profile: profile) {
            let values = ProfileFile.read(path)[section] ?? [:]
            if let id = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] {
                return Credentials(accessKeyId: id, secretAccessKey: secret, sessionToken: values["aws_session_token"])
            }
        }
        throw AWSError(.credentials, message: "profile \(profile) has no keys in the shared credentials or config file")
    }
}

/// Reading the INI-style shared files.
enum ProfileFile {
    static func profileName(_ environment: AWSEnvironment) -> String { environment["AWS_PROFILE"] ?? "default" }

    /// The files to look in, with the section name the profile has in each.
    static func files(_ environment: AWSEnvironment, profile: String) -> [(String, String)] {
        let home = environment["HOME"] ?? "/root"
        let credentials = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        let config = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        return [(credentials, profile), (config, profile == "default" ? "default" : "profile \(profile)")]
    }

    /// A setting of the profile from the config file (`region`, ...).
    static func value(_ key: String, environment: AWSEnvironment) -> String? {
        let profile = profileName(environment)
        for (path, section) in files(environment, profile: profile).reversed() {
            if let value = read(path)[section]?[key] { return value }
        }
        return nil
    }

    /// Sections to key/value pairs; comments (`#`, `;`) and malformed lines ignored.
    static func read(_ path: String) -> [String: [String: String]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingWhitespace()
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingWhitespace().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}
