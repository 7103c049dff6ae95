#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import HTTPMessage
import Signing

/// The container credentials endpoint (ECS, Lambda SnapStart, `aws login` tools):
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, or `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` under
/// `http://169.254.170.2`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN` (or `_TOKEN_FILE`) sent as the
/// `Authorization` header.
public struct ContainerCredentialProvider: CredentialProvider {
    private let environment: AWSEnvironment
    private let http: HTTPClient

    public init(environment: AWSEnvironment, http: HTTPClient) {
        self.environment = environment
        self.http = http
    }

    struct Response: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var Token: String?
        var Expiration: String?
    }

    public func credentials() throws -> Credentials {
        let url: String
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
            url = full
        } else if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            url = "http://169.254.170.2" + relative
        } else {
            throw AWSError(.credentials, message: "no container credentials endpoint is set")
        }
        var headers: [(name: String, value: String)] = []
        if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            headers.append(("Authorization", token))
        } else if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"],
            let data = FileManager.default.contents(atPath: file)
        {
            headers.append(("Authorization", String(decoding: data, as: UTF8.self).trimmingWhitespace()))
        }
        let response: HTTPResponse
        do {
            response = try http.send(HTTPRequest(method: "GET", url: url, headers: headers), timeout: 2_000)
        } catch let error as HTTPError {
            throw AWSError(
                .credentials, message: "container credentials endpoint: \(error.message)", transport: error.code)
        }
        guard response.status == 200, let body = try? JSONDecoder().decode(Response.self, from: Data(response.body))
        else {
            throw AWSError(
                .credentials, message: "container credentials endpoint answered HTTP \(response.status)",
                status: response.status)
        }
        return Credentials(
            accessKeyId: body.AccessKeyId, secretAccessKey: body.SecretAccessKey, sessionToken: body.Token,
            expiration: body.Expiration.flatMap(AWSTime.parse))
    }
}
