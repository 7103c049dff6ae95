/// An HTTP request with its body in memory.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The full URL, path already percent-encoded as it must go on the wire.
    public var url: String
    /// Header fields in order; a `Host` field here replaces the one libcurl would make.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An HTTP response with its body in memory.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// How a request failed before any response came back. Keeps curl's own message.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The host could not be resolved or connected to.
        case connect
        /// The connect or total timeout passed.
        case timeout
        /// The TLS handshake or certificate check failed.
        case tls
        /// The connection was reset or closed mid-exchange.
        case reset
        /// The request could not be made at all (bad URL, out of memory, ...).
        case invalid
        /// The response body passed the client's cap (`HTTPClient.maxResponseBytes`): the transfer
        /// was stopped there rather than read into memory whole. Never worth retrying.
        case tooLarge
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "HTTP \(code.rawValue) failure: \(message)" }
}

/// One header line, `Name: value`, split at its first colon, the value without the optional white
/// space around it (RFC 9110, 5.5); nil when there is no colon. What the AWS client reads from
/// libcurl and the Runtime API loop from its socket.
public func headerField(_ line: some StringProtocol) -> (name: String, value: String)? {
    guard let colon = line.firstIndex(of: ":") else { return nil }
    return (String(line[..<colon]), line[line.index(after: colon)...].trimmingWhitespace())
}

extension StringProtocol {
    /// The text without white space (spaces, tabs, line ends) at either end.
    public func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
