#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
import Synchronization
import HTTPMessage
import Signing

/// A request to an AWS service before signing: decoded path and query, headers, body.
public struct AWSRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's hash (S3 only).
    public var unsignedPayload: Bool
    /// The host to send to instead of the endpoint's (S3 virtual-hosted buckets).
    public var host: String?

    public init(
        method: String, path: String = "/", query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], unsignedPayload: Bool = false,
        host: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.unsignedPayload = unsignedPayload
        self.host = host
    }
}

/// Signs, sends and retries requests to one AWS service, and turns error responses into `AWSError`.
public final class AWSServiceClient: Sendable {
    /// How the service reports errors.
    public enum ErrorFormat: Sendable { case xml, json }

    public let service: String
    public let region: String
    public let endpoint: AWSEndpoint
    public let retry: RetryPolicy
    private let credentials: any CredentialProvider
    private let http: HTTPClient
    private let errorFormat: ErrorFormat
    private let clock: @Sendable () -> Date
    // Seconds to add to the local clock, learnt from a server that said the request was skewed.
    private let clockOffset = Mutex<Double>(0)

    public init(
        service: String, region: String, endpoint: AWSEndpoint, credentials: any CredentialProvider,
        http: HTTPClient, errorFormat: ErrorFormat, retry: RetryPolicy = RetryPolicy(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.http = http
        self.errorFormat = errorFormat
        self.retry = retry
        self.clock = clock
    }

    /// Makes sure the next signature needs no network: when the credentials must be fetched or
    /// refreshed (the container endpoint), that happens here on a thread of its own, so a caller on
    /// the cooperative pool (the API presigning a form or a link) never blocks it.
    /// - Throws: `AWSError` `.credentials`.
    public func ready() async throws {
        guard !credentials.answersAtOnce else { return }
        _ = try await AWSBlocking.run { [credentials] in try credentials.credentials() }
    }

    /// The signer for the current credentials (S3's rules for S3).
    public func signer() throws -> SigV4Signer {
        let credentials = try self.credentials.credentials()
        return service == "s3"
            ? .forS3(credentials: credentials, region: region)
            : SigV4Signer(credentials: credentials, region: region, service: service)
    }

    /// Now, corrected by any clock skew a server reported.
    public func now() -> Date { clock().addingTimeInterval(clockOffset.withLock { $0 }) }

    /// Sends `request`, signed afresh for each attempt, retrying throttling, 5xx and transport
    /// faults in the standard mode, and never sleeping past `deadline`.
    /// - Returns: a 2xx or 3xx response.
    /// - Throws: `AWSError`.
    public func send(_ request: AWSRequest, deadline: Date? = nil) throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let error: AWSError
            do {
                let response = try sendOnce(request, deadline: deadline)
                if response.status < 400 { return response }
                error = parseError(response)
                if error.isClockSkew, let serverDate = response.header("Date").flatMap(AWSTime.parseHTTPDate),
                    attempt < retry.maxAttempts
                {
                    clockOffset.withLock { $0 = serverDate.timeIntervalSince(clock()) }
                    continue
                }
            } catch let failure as HTTPError where failure.code == .tooLarge {
                throw AWSError(.responseTooLarge, message: failure.message)
            } catch let failure as HTTPError {
                error = AWSError(.transport, message: failure.message, transport: failure.code)
            }
            try backOff(after: error, attempt: attempt, deadline: deadline)
        }
    }

    /// The one retry decision of every call path (a request's attempts, a DynamoDB batch's
    /// unprocessed items): after `attempt` failures ending in `error`, waits the standard mode's
    /// jittered backoff with the policy's injectable sleep, or throws: `error` itself when it is not
    /// retryable or the attempts (`maxAttempts`, the policy's by default) are spent,
    /// `.deadlineExceeded` when the wait would pass `deadline`. Clock skew is decided before this:
    /// see ``AWSError/isClockSkew``.
    /// - Throws: `AWSError`.
    public func backOff(after error: AWSError, attempt: Int, maxAttempts: Int? = nil, deadline: Date?) throws {
        guard error.isRetryable, attempt < (maxAttempts ?? retry.maxAttempts) else { throw error }
        let delay = retry.delay(afterAttempt: attempt)
        if let deadline, clock().addingTimeInterval(delay) >= deadline {
            throw AWSError(
                .deadlineExceeded, code: error.code, message: "no time left to retry after: \(error.message)",
                status: error.status, requestId: error.requestId)
        }
        retry.sleep(delay)
    }

    private func sendOnce(_ request: AWSRequest, deadline: Date?) throws -> HTTPResponse {
        let signer = try signer()
        let host = request.host ?? endpoint.hostHeader
        let payloadHash = request.unsignedPayload ? SigV4Signer.unsignedPayload : Digest.sha256Hex(request.body)
        let signing = SigV4Signer.Request(
            method: request.method, host: host, path: request.path, query: request.query, headers: request.headers,
            payloadHash: payloadHash)
        let headers = signer.sign(signing, date: now())
        let query = request.query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(request.query)
        let url = "\(endpoint.scheme)://\(host)\(signer.encodedPath(request.path))\(query)"
        var timeout: Int? = nil
        if let deadline {
            let remaining = Int(deadline.timeIntervalSince(clock()) * 1000)
            guard remaining > 0 else {
                throw AWSError(
                    .deadlineExceeded, message: "the deadline passed before \(request.method) \(request.path)")
            }
            timeout = min(remaining, http.timeout)
        }
        return try http.send(
            HTTPRequest(method: request.method, url: url, headers: headers, body: request.body), timeout: timeout)
    }

    /// An `AWSError` from an error response, in the service's format.
    func parseError(_ response: HTTPResponse) -> AWSError {
        var requestId = response.header("x-amz-request-id") ?? response.header("x-amzn-RequestId")
        var code: String?
        var message: String?
        // The service's own format first; the other as a fallback, since front ends (and local
        // servers) sometimes answer a JSON service's auth failure in XML.
        let formats: [ErrorFormat] = errorFormat == .xml ? [.xml, .json] : [.json, .xml]
        for format in formats where code == nil {
            switch format {
            case .xml:
                if let root = XMLNode.parse(response.body) {
                    // <Error> (S3), <ErrorResponse><Error> (query services), <ErrorResponse><Errors><Error>.
                    let error =
                        root.name == "Error" ? root : root.child("Error") ?? root.child("Errors")?.child("Error")
                    code = error?["Code"]
                    message = error?["Message"]
                    requestId = requestId ?? error?["RequestId"] ?? root["RequestId"]
                }
            case .json:
                if let json = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)) {
                    code = (json["__type"]?.string ?? json["code"]?.string).map {
                        String($0.split(separator: "#").last ?? "")
                    }
                    message = json["message"]?.string ?? json["Message"]?.string
                }
            }
        }
        code = code ?? response.header("x-amzn-ErrorType").map { String($0.split(separator: ":").first ?? "") }
        return AWSError.from(status: response.status, code: code, message: message, requestId: requestId)
    }
}
