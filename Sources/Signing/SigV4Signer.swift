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

        public init(
            method: String, host: String, path: String, query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)] = [], payloadHash: String
        ) {
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

    public init(
        credentials: Credentials, region: String, service: String, normalizePath: Bool = true,
        signsPayloadHeader: Bool = false, omitsSessionTokenFromSignature: Bool = false
    ) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath
        self.signsPayloadHeader = signsPayloadHeader
        self.omitsSessionTokenFromSignature = omitsSessionTokenFromSignature
    }

    /// A signer with S3's rules.
    public static func forS3(credentials: Credentials, region: String) -> SigV4Signer {
        SigV4Signer(
            credentials: credentials, region: region, service: "s3", normalizePath: false, signsPayloadHeader: true)
    }

    /// The path as it goes on the wire and into the canonical request.
    public func encodedPath(_ path: String) -> String {
        URIEncoding.encodePath(normalizePath ? Self.normalized(path) : path)
    }

    // MARK: Header signing

    /// The headers to send: the request's own, `host`, `x-amz-date`, `x-amz-security-token`,
    /// `x-amz-content-sha256` (when signed) and `authorization`.
    public func sign(_ request: Request, date: Date) -> [(name: String, value: String)] {
        let time = Stamp(date, region: region, service: service)
        let steps = headerSigningSteps(request, time: time)
        var headers = steps.headers
        headers.append(
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(time.scope), SignedHeaders=\(steps.signedHeaders), Signature=\(steps.signature)"
            ))
        if let token = credentials.sessionToken, omitsSessionTokenFromSignature {
            headers.append(("x-amz-security-token", token))
        }
        return headers
    }

    /// What each documented step produced.
    struct Steps {
        var headers: [(name: String, value: String)]
        var query: [(name: String, value: String)]
        var canonicalRequestBytes: [UInt8]
        var signedHeaders: String
        var stringToSignBytes: [UInt8]
        var signature: String

        var canonicalRequest: String { String(decoding: canonicalRequestBytes, as: UTF8.self) }
        var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
    }

    func headerSigningSteps(_ request: Request, date: Date) -> Steps {
        headerSigningSteps(request, time: Stamp(date, region: region, service: service))
    }

    private func headerSigningSteps(_ request: Request, time: Stamp) -> Steps {
        var headers = request.headers.filter { !Self.isHost($0.name) }
        headers.append(("host", request.host))
        headers.append(("x-amz-date", time.amzDate))
        if signsPayloadHeader { headers.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken, !omitsSessionTokenFromSignature {
            headers.append(("x-amz-security-token", token))
        }
        return steps(request, headers: headers, query: request.query, time: time)
    }

    func querySigningSteps(_ request: Request, date: Date, expires: Int) -> Steps {
        let time = Stamp(date, region: region, service: service)
        var query = request.query
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyId)/\(time.scope)"))
        query.append(("X-Amz-Date", time.amzDate))
        query.append(("X-Amz-Expires", String(expires)))
        let headers = request.headers.filter { !Self.isHost($0.name) } + [("host", request.host)]
        query.append(("X-Amz-SignedHeaders", Self.canonicalHeaders(headers).signed))
        if let token = credentials.sessionToken, !omitsSessionTokenFromSignature {
            query.append(("X-Amz-Security-Token", token))
        }
        return steps(request, headers: headers, query: query, time: time)
    }

    private func steps(
        _ request: Request, headers: [(name: String, value: String)], query: [(name: String, value: String)],
        time: Stamp
    ) -> Steps {
        let canonical = canonicalRequest(request, headers: headers, query: query)
        let toSign = stringToSign(canonicalRequest: canonical.bytes, time: time)
        return Steps(
            headers: headers, query: query, canonicalRequestBytes: canonical.bytes,
            signedHeaders: canonical.signedHeaders,
            stringToSignBytes: toSign, signature: signature(stringToSign: toSign, time: time))
    }

    /// The times and scope of one signature, formatted once.
    struct Stamp {
        /// `20150830T123600Z`
        var amzDate: String
        /// `20150830`
        var dateStamp: String
        /// `20150830/us-east-1/service/aws4_request`
        var scope: String

        init(_ date: Date, region: String, service: String) {
            amzDate = AWSTime.amzDate(date)
            dateStamp = String(amzDate.prefix(8))
            scope = "\(dateStamp)/\(region)/\(service)/aws4_request"
        }
    }

    private static func isHost(_ name: String) -> Bool {
        name.utf8.count == 4 && name.lowercased() == "host"
    }

    // MARK: Presigning

    /// The query of a presigned URL: the request's own parameters and the `X-Amz-*` ones, the
    /// signature last, encoded and joined, ready to follow `?`.
    public func presignedQuery(_ request: Request, date: Date, expires: Int) -> String {
        let steps = querySigningSteps(request, date: date, expires: expires)
        var query = steps.query
        if let token = credentials.sessionToken, omitsSessionTokenFromSignature {
            query.append(("X-Amz-Security-Token", token))
        }
        return Self.canonicalQuery(query) + "&X-Amz-Signature=" + steps.signature
    }

    // MARK: Browser uploads (POST policies)

    /// What a browser form needs to send a POST policy: the credential, date and signature fields
    /// (and the session token, when there is one) for `policy`, a policy document whose conditions
    /// must already name these same `x-amz-credential`, `x-amz-date` and token values (see
    /// ``postPolicyScope(date:)``).
    public func postPolicySignature(policyBase64: String, date: Date) -> String {
        signature(stringToSign: Array(policyBase64.utf8), time: Stamp(date, region: region, service: service))
    }

    /// The `x-amz-credential` and `x-amz-date` values of a POST policy signed at `date`.
    public func postPolicyScope(date: Date) -> (credential: String, amzDate: String) {
        let time = Stamp(date, region: region, service: service)
        return ("\(credentials.accessKeyId)/\(time.scope)", time.amzDate)
    }

    /// The session token a request signed with these credentials must carry, if any.
    public var sessionToken: String? { credentials.sessionToken }

    // MARK: The documented steps

    // MARK: Streaming (aws-chunked) uploads

    /// The signature of one chunk of an `aws-chunked` body, chained from the previous signature
    /// (the seed signature of the request for the first chunk).
    public func chunkSignature(previous: String, chunk: some Collection<UInt8>, date: Date) -> String {
        let time = Stamp(date, region: region, service: service)
        let text = [
            "AWS4-HMAC-SHA256-PAYLOAD", time.amzDate, time.scope, previous, Self.emptyPayloadHash,
            Digest.sha256Hex(chunk),
        ].joined(separator: "\n")
        return signature(stringToSign: Array(text.utf8), time: time)
    }

    /// Task 1: the canonical request (as bytes: it is only ever hashed), and the signed headers.
    func canonicalRequest(
        _ request: Request, headers: [(name: String, value: String)], query: [(name: String, value: String)]
    )
        -> (bytes: [UInt8], signedHeaders: String)
    {
        let canonicalHeaders = Self.canonicalHeaders(headers)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        let method = request.method
        bytes.append(
            contentsOf: (method.utf8.contains(where: { (0x61...0x7A).contains($0) }) ? method.uppercased() : method)
                .utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: encodedPath(request.path).utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: Self.canonicalQuery(query).utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: canonicalHeaders.text)
        bytes.append(0x0A)
        bytes.append(contentsOf: canonicalHeaders.signed.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: request.payloadHash.utf8)
        return (bytes, canonicalHeaders.signed)
    }

    /// Task 2: the string to sign.
    func stringToSign(canonicalRequest: [UInt8], time: Stamp) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        bytes.append(contentsOf: "AWS4-HMAC-SHA256\n".utf8)
        bytes.append(contentsOf: time.amzDate.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: time.scope.utf8)
        bytes.append(0x0A)
        Digest.appendHex(Digest.sha256(canonicalRequest), to: &bytes)
        return bytes
    }

    /// Task 3: the signing key, derived from the secret, date, region and service. It changes once
    /// a day, so the last ones are kept (per secret, date, region and service), the most recent
    /// checked first without building a key.
    func signingKey(time: Stamp) -> [UInt8] {
        let secret = credentials.secretAccessKey
        if let last = Self.lastSigningKey.withLock({ $0 }), last.secret == secret, last.dateStamp == time.dateStamp,
            last.region == region, last.service == service
        {
            return last.key
        }
        let cacheKey = "\(secret)\u{0}\(time.dateStamp)\u{0}\(region)\u{0}\(service)"
        let key: [UInt8]
        if let cached = Self.signingKeys.withLock({ $0[cacheKey] }) {
            key = cached
        } else {
            var derived = Digest.hmacSHA256(key: Array("AWS4\(secret)".utf8), message: Array(time.dateStamp.utf8))
            for part in [region, service, "aws4_request"] {
                derived = Digest.hmacSHA256(key: derived, message: Array(part.utf8))
            }
            Self.signingKeys.withLock { keys in
                if keys.count > 64 { keys.removeAll() }
                keys[cacheKey] = derived
            }
            key = derived
        }
        Self.lastSigningKey.withLock {
            $0 = CachedKey(secret: secret, dateStamp: time.dateStamp, region: region, service: service, key: key)
        }
        return key
    }

    private struct CachedKey {
        var secret: String, dateStamp: String, region: String, service: String
        var key: [UInt8]
    }

    private static let signingKeys = Mutex<[String: [UInt8]]>([:])
    private static let lastSigningKey = Mutex<CachedKey?>(nil)

    /// Task 4: the signature.
    func signature(stringToSign: [UInt8], time: Stamp) -> String {
        Digest.hex(Digest.hmacSHA256(key: signingKey(time: time), message: stringToSign))
    }

    // MARK: Canonical forms

    /// The canonical query string; the AWS client sends its query strings in this same form.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        // Encoded first, then sorted: the encoded forms are ASCII, so this is byte order.
        let encoded: [(String, String)] = query.map { (URIEncoding.encode($0.name), URIEncoding.encode($0.value)) }
        let sorted = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in
            a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
        }
        return sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Lower-case names, sorted; values trimmed with inner runs of white space made one space;
    /// repeated names joined with commas in their order. `text` is the canonical headers block (as
    /// bytes, for the canonical request), `signed` the names joined with `;`.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (text: [UInt8], signed: String) {
        // Sorted by name (byte order: names are ASCII), in their order within a name, then merged.
        var entries: [(name: String, value: String, order: Int)] = []
        entries.reserveCapacity(headers.count)
        for (order, header) in headers.enumerated() {
            entries.append((lowercasedASCII(header.name), collapsedSpace(header.value), order))
        }
        entries.sort {
            (a: (name: String, value: String, order: Int), b: (name: String, value: String, order: Int)) -> Bool in
            // Names are ASCII, for which String's order is byte order (and has a memcmp fast path).
            a.name == b.name ? a.order < b.order : a.name < b.name
        }
        var text: [UInt8] = []
        var signed: [UInt8] = []
        text.reserveCapacity(256)
        signed.reserveCapacity(128)
        for (index, entry) in entries.enumerated() {
            if index > 0, entries[index - 1].name == entry.name {
                text[text.count - 1] = UInt8(ascii: ",")  // the value joins the previous one
            } else {
                if !signed.isEmpty { signed.append(UInt8(ascii: ";")) }
                signed.append(contentsOf: entry.name.utf8)
                text.append(contentsOf: entry.name.utf8)
                text.append(UInt8(ascii: ":"))
            }
            text.append(contentsOf: entry.value.utf8)
            text.append(0x0A)
        }
        return (text, String(decoding: signed, as: UTF8.self))
    }

    /// The name in lower case (header names are ASCII); unchanged when it already is.
    static func lowercasedASCII(_ name: String) -> String {
        let hasUpper =
            name.utf8.withContiguousStorageIfAvailable { $0.contains { (0x41...0x5A).contains($0) } }
            ?? name.utf8.contains { (0x41...0x5A).contains($0) }
        guard hasUpper else { return name }
        return String(decoding: name.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The value trimmed, with inner runs of white space made one space; unchanged when it already is.
    static func collapsedSpace(_ value: String) -> String {
        if value.isEmpty { return value }
        let clean = value.utf8.withContiguousStorageIfAvailable(isCollapsed) ?? isCollapsed(value.utf8)
        if clean { return value }
        return value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(
            separator: " ")
    }

    /// Whether the bytes have no white space at either end and none but single spaces inside.
    private static func isCollapsed(_ bytes: some Sequence<UInt8>) -> Bool {
        var previousIsSpace = true  // so that leading white space counts as a run
        for byte in bytes {
            let isSpace = byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
            if isSpace && (previousIsSpace || byte != 0x20) { return false }
            previousIsSpace = isSpace
        }
        return !previousIsSpace
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
