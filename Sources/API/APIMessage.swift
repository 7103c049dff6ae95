import Pipeline
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One HTTP request to the API, as API Gateway (payload 2.0) or `darkroom serve` hands it over,
/// with the caller its authorizer verified.
public struct APIRequest: Sendable {
    public var method: String
    /// The path, decoded, without the query (`/v1/images/abc`).
    public var path: String
    /// Query parameters, decoded (the last of a repeated name).
    public var query: [String: String]
    public var body: [UInt8]
    /// The verified token's `sub`; nil when no token was verified.
    public var subject: String?

    public init(method: String, path: String, query: [String: String] = [:], body: [UInt8] = [], subject: String?) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.subject = subject
    }
}

/// One HTTP response: JSON, or a problem document.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as JSON.
    static func json(_ status: Int, _ value: some Encodable, headers: [String: String] = [:]) -> APIResponse {
        do {
            let body = try encoder.encode(value)
            return APIResponse(
                status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                body: Array(body))
        } catch {
            return Problem(500, "encoding_failed", "The answer could not be written as JSON: \(error)").response
        }
    }
}

/// An error the caller can act on, answered as an RFC 9457 problem document
/// (`application/problem+json`) with a stable `code`.
public struct Problem: Error, Sendable, Equatable, Encodable {
    public var status: Int
    public var code: String
    public var title: String
    public var detail: String
    /// A refused quota's figures (``QuotaRefusal``), as members of the document; and, when
    /// waiting helps, how long (also as `Retry-After`).
    public var quota: QuotaRefusal?

    public init(_ status: Int, _ code: String, _ detail: String) {
        self.status = status
        self.code = code
        self.title = Self.titles[status] ?? "Error"
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey { case type, status, code, title, detail, limit, used, allowed, retryAfter }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("urn:darkroom:problem:\(code)", forKey: .type)
        try container.encode(status, forKey: .status)
        try container.encode(code, forKey: .code)
        try container.encode(title, forKey: .title)
        try container.encode(detail, forKey: .detail)
        if let quota {
            try container.encode(quota.limit.rawValue, forKey: .limit)
            try container.encode(quota.used, forKey: .used)
            try container.encode(quota.allowed, forKey: .allowed)
            try container.encodeIfPresent(quota.retryAfter, forKey: .retryAfter)
        }
    }

    public var response: APIResponse {
        let body = (try? APIResponse.encoder.encode(self)).map(Array.init) ?? Array("{\"code\":\"\(code)\"}".utf8)
        var headers = ["Content-Type": "application/problem+json"]
        if let wait = quota?.retryAfter { headers["Retry-After"] = String(wait) }
        return APIResponse(status: status, headers: headers, body: body)
    }

    public static let titles = [
        400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
        410: "Gone",
        429: "Too Many Requests",
        413: "Content Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error",
        503: "Service Unavailable",
    ]
}
