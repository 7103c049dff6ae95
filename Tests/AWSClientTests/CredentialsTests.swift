import Foundation
import Testing

@testable import AWSClient
import DarkroomTestSupport
import Signing

@Suite struct CredentialsTests {
    @Test func environment() throws {
        let env = AWSEnvironment([
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "t0k3n",
        ])
        let credentials = try EnvironmentCredentialProvider(environment: env).credentials()
        #expect(credentials == Credentials(accessKeyId: "AKID", secretAccessKey: "s3cr3t", sessionToken: "t0k3n"))
        #expect(throws: AWSError.self) {
            try EnvironmentCredentialProvider(environment: AWSEnvironment([:])).credentials()
        }
    }

    @Test func sharedFilesWithProfiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(unique("aws"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try
            "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = defaultsecret\n\n# comment\n[work]\naws_access_key_id=WORKKEY\naws_secret_access_key=worksecret\naws_session_token=worktoken\n"
            .write(to: folder.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try "[profile home]\nregion = eu-west-1\naws_access_key_id = HOMEKEY\naws_secret_access_key = homesecret\n"
            .write(to: folder.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        func env(_ profile: String?) -> AWSEnvironment {
            var variables = [
                "AWS_SHARED_CREDENTIALS_FILE": folder.appendingPathComponent("credentials").path,
                "AWS_CONFIG_FILE": folder.appendingPathComponent("config").path,
            ]
            variables["AWS_PROFILE"] = profile
            return AWSEnvironment(variables)
        }
        #expect(try ProfileCredentialProvider(environment: env(nil)).credentials().accessKeyId == "DEFAULTKEY")
        let work = try ProfileCredentialProvider(environment: env("work")).credentials()
        #expect(work.accessKeyId == "WORKKEY" && work.sessionToken == "worktoken")
        #expect(try ProfileCredentialProvider(environment: env("home")).credentials().secretAccessKey == "homesecret")
        #expect(env("home").region == "eu-west-1")
        #expect(throws: AWSError.self) { try ProfileCredentialProvider(environment: env("nobody")).credentials() }
    }

    @Test func containerEndpointWithItsToken() throws {
        let faults = try #require(LocalAWS.faults)
        let env = AWSEnvironment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": faults.endpoint + "/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer container-token",
        ])
        let credentials = try ContainerCredentialProvider(environment: env, http: HTTPClient()).credentials()
        #expect(credentials.accessKeyId == "ASIACONTAINER" && credentials.sessionToken == "container-session")
        #expect(abs((credentials.expiration ?? .distantPast).timeIntervalSinceNow - 3_600) < 120)
        let refused = AWSEnvironment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": faults.endpoint + "/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer wrong",
        ])
        let error = #expect(throws: AWSError.self) {
            try ContainerCredentialProvider(environment: refused, http: HTTPClient()).credentials()
        }
        #expect(error?.kind == .credentials && error?.status == 401)
    }

    /// A chain whose credentials come from the container endpoint cannot answer at once until it
    /// fetched them; `ready()` fetches them off the cooperative pool, and signing then waits on
    /// nothing.
    @Test func readyFetchesContainerCredentialsSoThatSigningWaitsOnNothing() async throws {
        let faults = try #require(LocalAWS.faults)
        let env = AWSEnvironment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": faults.endpoint + "/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer container-token",
        ])
        let chain = CredentialChain([ContainerCredentialProvider(environment: env, http: HTTPClient())])
        let client = AWSServiceClient(
            service: "s3", region: "us-east-1", endpoint: try #require(AWSEndpoint.parse("http://127.0.0.1:1")),
            credentials: chain, http: HTTPClient(), errorFormat: .xml)
        #expect(!chain.answersAtOnce)
        try await client.ready()
        #expect(chain.answersAtOnce)
        #expect(try client.signer().credentials.accessKeyId == "ASIACONTAINER")
        #expect(StaticCredentialProvider(Credentials(accessKeyId: "a", secretAccessKey: "b")).answersAtOnce)
    }

    final class Counting: CredentialProvider, @unchecked Sendable {
        var calls = 0
        let expiration: Date
        init(expiration: Date) { self.expiration = expiration }
        func credentials() throws -> Credentials {
            calls += 1
            return Credentials(
                accessKeyId: "K\(calls)", secretAccessKey: "S", sessionToken: "T", expiration: expiration)
        }
    }

    @Test func theChainCachesAndRefreshesBeforeExpiry() throws {
        let lasting = Counting(expiration: Date().addingTimeInterval(3_600))
        let chain = CredentialChain([EnvironmentCredentialProvider(environment: AWSEnvironment([:])), lasting])
        #expect(try chain.credentials().accessKeyId == "K1")
        #expect(try chain.credentials().accessKeyId == "K1" && lasting.calls == 1)
        let expiring = Counting(expiration: Date().addingTimeInterval(120))
        let refreshing = CredentialChain([expiring])
        _ = try refreshing.credentials()
        #expect(
            try refreshing.credentials().accessKeyId == "K2",
            "credentials five minutes from expiry must be fetched again")
    }

    @Test func secretsNeverShow() throws {
        let credentials = Credentials(
            accessKeyId: "AKIDVISIBLE", secretAccessKey: "very-secret-key", sessionToken: "session-token-value")
        for text in [
            credentials.description, String(describing: credentials), String(reflecting: credentials), "\(credentials)",
        ] {
            #expect(
                text.contains("AKIDVISIBLE") && !text.contains("very-secret-key")
                    && !text.contains("session-token-value"))
        }
        let error = #expect(throws: AWSError.self) {
            try CredentialChain([
                EnvironmentCredentialProvider(environment: AWSEnvironment(["AWS_SECRET_ACCESS_KEY": "very-secret-key"]))
            ]).credentials()
        }
        #expect(error.map { !String(describing: $0).contains("very-secret-key") } == true)
    }
}
