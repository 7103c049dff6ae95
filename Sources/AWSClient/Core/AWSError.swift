import HTTPMessage
/// The one error type of AWSClient: what kind of failure, AWS's own code and message, the HTTP
/// status and the request id. Never holds a secret.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The service answered with an error not covered below.
        case service
        /// The signature did not verify (`SignatureDoesNotMatch`, `InvalidSignatureException`): a bug or
        /// a wrong key, never retried.
        case signatureMismatch
        /// The key is unknown or the policy refuses the action.
        case accessDenied
        /// No such key, bucket, table or resource.
        case notFound
        /// A DynamoDB condition expression failed: not a fault, the caller's decision.
        case conditionFailed
        /// Throttled (a throttling code, HTTP 429, or a batch left unprocessed) past its retries.
        case throttled
        /// A 5xx or a passing service fault (`InternalError`, `ServiceUnavailable`,
        /// `RequestTimeout`) past its retries.
        case unavailable
        /// The request never got an answer (connect, timeout, TLS, reset); `transport` says which.
        case transport
        /// No credentials could be found or fetched.
        case credentials
        /// A response that could not be understood.
        case invalidResponse
        /// A retry would have slept past the caller's deadline.
        case deadlineExceeded
        /// The answer was larger than the client reads (`HTTPClient.maxResponseBytes`); never retried.
        case responseTooLarge
    }

    public var kind: Kind
    /// AWS's error code (`NoSuchKey`, `ConditionalCheckFailedException`, ...), when there was one.
    public var code: String?
    public var message: String
    public var status: Int?
    public var requestId: String?
    /// For `.transport`: which transport failure.
    public var transport: HTTPError.Code?

    public init(
        _ kind: Kind, code: String? = nil, message: String, status: Int? = nil, requestId: String? = nil,
        transport: HTTPError.Code? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.status = status
        self.requestId = requestId
        self.transport = transport
    }

    /// Whether the standard retry mode retries it.
    public var isRetryable: Bool {
        switch kind {
        case .throttled, .unavailable, .transport: true
        case .service: (status ?? 0) >= 500
        default: false
        }
    }

    public var description: String {
        var text = "AWS \(kind.rawValue)"
        if let code { text += " \(code)" }
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if let requestId { text += " [request \(requestId)]" }
        return text
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "ThrottlingError",
    ]
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
        "InternalServerError", "InternalServerException",
    ]

    /// Whether the server refused the request for its time (the local clock is off): the client
    /// corrects its clock by the server's `Date` and tries again at once.
    public var isClockSkew: Bool {
        guard let code else { return false }
        if code == "InvalidSignatureException" { return message.lowercased().contains("signature expired") }
        return ["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"].contains(code)
    }

    /// Classifies an error response.
    static func from(status: Int, code: String?, message: String?, requestId: String?) -> AWSError {
        let kind: Kind
        switch code {
        case let code? where throttlingCodes.contains(code): kind = .throttled
        case let code? where transientCodes.contains(code): kind = .unavailable
        case "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature": kind = .signatureMismatch
        case "AccessDenied", "AccessDeniedException", "InvalidAccessKeyId", "InvalidClientTokenId",
            "UnrecognizedClientException",
            "ExpiredToken", "ExpiredTokenException", "InvalidToken":
            kind = .accessDenied
        case "NoSuchKey", "NoSuchBucket", "NotFound", "ResourceNotFoundException", "NoSuchUpload", "NotFoundException":
            kind = .notFound
        case "ConditionalCheckFailedException": kind = .conditionFailed
        default:
            if status == 429 {
                kind = .throttled
            } else if status >= 500 {
                kind = .unavailable
            } else if status == 404 {
                kind = .notFound
            } else if status == 403 && code == nil {
                kind = .accessDenied
            } else {
                kind = .service
            }
        }
        return AWSError(kind, code: code, message: message ?? "HTTP \(status)", status: status, requestId: requestId)
    }
}
