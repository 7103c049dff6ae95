#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

import Synchronization

/// AWS Signature Version 4, with no I/O: the time is a parameter, so tests are exact.
///
/// The steps are named as in the AWS documentation: canonical request, string to sign, signing key,
/// signature. S3's differences are options, set by ``forS3(credentials:region:)``: its path is
/// encoded once and never normalised, and `x-amz-content-sha256` is always sent and signed.
public struct SigV4Signer: Sendable {
    /// What the signer needs of a request. Path and query are given decoded; the signer encodes them
    /// (and ``encodedPath(_:)`` gives the wire form, so the two never differ).
    public struct Request: Sendable {
        public var method: String
        /// The `Host` header exactly as it will be sent (with `:port` when not the default).
        public var host: String
        /// The decoded path, starting with `/`.
        public var path: String
        /// Decoded query names and values, in any order.
        public var query: [(name: String, value: String)]
        /// Headers to sign besides `host` and the ones the signer adds.
        public var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(method: String, host: String, path: String, query: [(name: String, value: String)] = [],
                    headers: [(name: String, value: String)] = [], payloadHash: String) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public var credentials: Credentials
    public var region: String
    public var service: String
    /// Remove `.`/`..` segments and repeated slashes from the path (every service but S3).
    public var normalizePath: Bool
    /// Send and sign `x-amz-content-sha256` (S3 always; other services when asked).
    public var signsPayloadHeader: Bool
    /// Add the session token after signing instead of signing it (a few legacy services need this).
    public var omitsSessionTokenFromSignature: Bool

    public init(credentials: Credentials, region: String, service: String, normalizePath: Bool = true,
                signsPayloadHeader: Bool = false, omitsSessionTokenFromSignature: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath
        self.signsPayloadHeader = signsPayloadHeader
        self.omitsSessionTokenFromSignature = omitsSessionTokenFromSignature
    }

    /// A signer with S3's rules.
    public static func forS3(credentials: Credentials, region: String) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: region, service: "s3", normalizePath: false, signsPayloadHeader: true)
    }

    /// The path as it goes on the wire and into the canonical request.
    public func encodedPath(_ path: String) -> String {
        URIEncoding.encodePath(normalizePath ? Self.normalized(path) : path)
    }

    // MARK: Header signing

    /// The headers to send: the request's own, `host`, `x-amz-date`, `x-amz-security-token`,
    /// `x-amz-content-sha256` (when signed) and `authorization`.
    public func sign(_ request: Request, date: Date) -> [(name: String, value: String)] {
        let steps = headerSigningSteps(request, date: date)
        var headers = steps.headers
        headers.append((
            "authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope(date)), SignedHeaders=\(steps.signedHeaders), Signature=\(steps.signature)"
        ))
        if let token = credentials.sessionToken, omitsSessionTokenFromSignature { headers.append(("x-amz-security-token", token)) }
        return headers
    }

    /// What each documented step produced.
    struct Steps {
        var headers: [(name: String, value: String)]
        var query: [(name: String, value: String)]
        var canonicalRequest: String
        var signedHeaders: String
        var stringToSign: String
        var signature: String
    }

    func headerSigningSteps(_ request: Request, date: Date) -> Steps {
        var headers = request.headers.filter { $0.name.lowercased() != "host" }
        headers.append(("host", request.host))
        headers.append(("x-amz-date", AWSTime.amzDate(date)))
        if signsPayloadHeader { headers.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken, !omitsSessionTokenFromSignature { headers.append(("x-amz-security-token", token)) }
        return steps(request, headers: headers, query: request.query, date: date)
    }

    func querySigningSteps(_ request: Request, date: Date, expires: Int) -> Steps {
        var query = request.query
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(date))"))
        query.append(("X-Amz-Date", AWSTime.amzDate(date)))
        query.append(("X-Amz-Expires", String(expires)))
        let headers = request.headers.filter { $0.name.lowercased() != "host" } + [("host", request.host)]
        query.append(("X-Amz-SignedHeaders", Self.canonicalHeaders(headers).signed))
        if let token = credentials.sessionToken, !omitsSessionTokenFromSignature { query.append(("X-Amz-Security-Token", token)) }
        return steps(request, headers: headers, query: query, date: date)
    }

    private func steps(_ request: Request, headers: [(name: String, value: String)], query: [(name: String, value: String)], date: Date) -> Steps {
        let canonical = canonicalRequest(request, headers: headers, query: query)
        let toSign = stringToSign(canonicalRequest: canonical.text, date: date)
        return Steps(headers: headers, query: query, canonicalRequest: canonical.text, signedHeaders: canonical.signedHeaders,
                     stringToSign: toSign, signature: signature(stringToSign: toSign, date: date))
    }

    // MARK: Presigning

    /// The query of a presigned URL: the request's own parameters and the `X-Amz-*` ones, the
    /// signature last, encoded and joined, ready to follow `?`.
    public func presignedQuery(_ request: Request, date: Date, expires: Int) -> String {
        let steps = querySigningSteps(request, date: date, expires: expires)
        var query = steps.query
        if let token = credentials.sessionToken, omitsSessionTokenFromSignature { query.append(("X-Amz-Security-Token", token)) }
        return Self.canonicalQuery(query) + "&X-Amz-Signature=" + steps.signature
    }

    // MARK: The documented steps

    // MARK: Streaming (aws-chunked) uploads

    /// The signature of one chunk of an `aws-chunked` body, chained from the previous signature
    /// (the seed signature of the request for the first chunk).
    public func chunkSignature(previous: String, chunk: some Collection<UInt8>, date: Date) -> String {
        let text = [
            "AWS4-HMAC-SHA256-PAYLOAD", AWSTime.amzDate(date), scope(date), previous, Self.emptyPayloadHash,
            Digest.sha256Hex(chunk),
        ].joined(separator: "\n")
        return signature(stringToSign: text, date: date)
    }

    /// Task 1: the canonical request, and the list of signed headers.
    func canonicalRequest(_ request: Request, headers: [(name: String, value: String)], query: [(name: String, value: String)])
        -> (text: String, signedHeaders: String)
    {
        let canonicalHeaders = Self.canonicalHeaders(headers)
        let text = [
            request.method.uppercased(), encodedPath(request.path), Self.canonicalQuery(query),
            canonicalHeaders.text, canonicalHeaders.signed, request.payloadHash,
        ].joined(separator: "\n")
        return (text, canonicalHeaders.signed)
    }

    /// Task 2: the string to sign.
    func stringToSign(canonicalRequest: String, date: Date) -> String {
        ["AWS4-HMAC-SHA256", AWSTime.amzDate(date), scope(date), Digest.sha256Hex(canonicalRequest)].joined(separator: "\n")
    }

    /// Task 3: the signing key, derived from the secret, date, region and service. It changes once
    /// a day, so the last one is kept (per secret, region and service).
    func signingKey(date: Date) -> [UInt8] {
        let stamp = AWSTime.dateStamp(date)
        let cacheKey = "\(credentials.secretAccessKey)\u{0}\(stamp)\u{0}\(region)\u{0}\(service)"
        if let cached = Self.signingKeys.withLock({ $0[cacheKey] }) { return cached }
        var key = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: Array(stamp.utf8))
        for part in [region, service, "aws4_request"] { key = Digest.hmacSHA256(key: key, message: Array(part.utf8)) }
        Self.signingKeys.withLock { keys in
            if keys.count > 64 { keys.removeAll() }
            keys[cacheKey] = key
        }
        return key
    }

    private static let signingKeys = Mutex<[String: [UInt8]]>([:])

    /// Task 4: the signature.
    func signature(stringToSign: String, date: Date) -> String {
        Digest.hex(Digest.hmacSHA256(key: signingKey(date: date), message: Array(stringToSign.utf8)))
    }

    func scope(_ date: Date) -> String { "\(AWSTime.dateStamp(date))/\(region)/\(service)/aws4_request" }

    // MARK: Canonical forms

    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        // Encoded first, then sorted: the encoded forms are ASCII, so this is byte order.
        let encoded: [(String, String)] = query.map { (URIEncoding.encode($0.name), URIEncoding.encode($0.value)) }
        let sorted = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        return sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Lower-case names, sorted; values trimmed with inner runs of white space made one space;
    /// repeated names joined with commas in their order.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (text: String, signed: String) {
        var grouped: [String: [String]] = [:]
        for header in headers {
            let value = header.value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                .joined(separator: " ")
            grouped[header.name.lowercased(), default: []].append(value)
        }
        let names = grouped.keys.sorted()
        let text = names.map { "\($0):\(grouped[$0, default: []].joined(separator: ","))\n" }.joined()
        return (text, names.joined(separator: ";"))
    }

    /// RFC 3986 dot-segment removal, with empty segments (repeated slashes) dropped too.
    static func normalized(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let joined = "/" + segments.joined(separator: "/")
        let trailing = path.hasSuffix("/") && !segments.isEmpty
        return trailing ? joined + "/" : joined
    }
}
