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
