import HTTPMessage
#if canImport(Glibc)
    import Glibc
#endif

/// HTTP exchanges with the Runtime API over a plain TCP socket. The API listens on the sandbox's
/// loopback and speaks plain HTTP, so a function need not start libcurl and OpenSSL (about 1 ms of
/// every cold start, measured by `scripts/bench`) just to ask for its first event; they start on its
/// first AWS call. One connection per exchange (`Connection: close`): a loopback connect costs tens
/// of microseconds, and nothing is left half-read between exchanges.
struct RuntimeConnection: Sendable {
    /// `host:port` as `AWS_LAMBDA_RUNTIME_API` gives it (the host may be a bracketed IPv6 address).
    let runtimeAPI: String
    private let host: String
    private let port: String

    init(runtimeAPI: String) {
        self.runtimeAPI = runtimeAPI
        var host = runtimeAPI
        var port = "80"
        if let colon = runtimeAPI.lastIndex(of: ":"), !runtimeAPI[colon...].contains("]") {
            host = String(runtimeAPI[..<colon])
            port = String(runtimeAPI[runtimeAPI.index(after: colon)...])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = port
    }

    /// Sends one request and reads the whole response.
    /// - Parameter timeout: milliseconds for the whole exchange; 0 waits for ever (`next`).
    /// - Throws: `HTTPError` when the API cannot be reached, stops answering, or answers garbage.
    func exchange(
        _ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Int
    ) throws(HTTPError) -> HTTPResponse {
        let socket = try connect(timeout: timeout)
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(runtimeAPI)\r\nConnection: close\r\n"
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        if method != "GET" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(socket, Array(head.utf8) + body)
        return try receive(socket)
    }

    private func connect(timeout: Int) throws(HTTPError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, port, &hints, &found)
        guard resolved == 0, let first = found else {
            throw HTTPError(
                .connect, "cannot resolve the Runtime API at \(runtimeAPI): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let socket = Glibc.socket(
                address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard socket >= 0 else {
                lastError = errno
                continue
            }
            // Linux applies the send timeout to connect as well; a wait for `next` has no receive timeout.
            setTimeout(socket, SO_SNDTIMEO, milliseconds: timeout > 0 ? timeout : 10_000)
            if timeout > 0 { setTimeout(socket, SO_RCVTIMEO, milliseconds: timeout) }
            if Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return socket }
            lastError = errno
            close(socket)
        }
        throw HTTPError(
            .connect, "cannot connect to the Runtime API at \(runtimeAPI): \(String(cString: strerror(lastError)))")
    }

    private func setTimeout(_ socket: Int32, _ option: Int32, milliseconds: Int) {
        var time = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        _ = setsockopt(socket, SOL_SOCKET, option, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    private func send(_ socket: Int32, _ bytes: [UInt8]) throws(HTTPError) {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a closed peer is an error to report, not a SIGPIPE that ends the process.
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let start = buffer.baseAddress else { return 0 }
                return Glibc.send(socket, start + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno, while: "sending")
            }
            sent += count
        }
    }

    private func receive(_ socket: Int32) throws(HTTPError) -> HTTPResponse {
        var buffer: [UInt8] = []
        var head: RuntimeHTTPMessage.Head?
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno, while: "reading")
            }
            let closed = count == 0
            buffer.append(contentsOf: chunk[..<count])
            if head == nil {
                head = try RuntimeHTTPMessage.head(buffer, closed: closed)
                if let head, case .length(let length) = head.framing { buffer.reserveCapacity(head.bodyStart + length) }
            }
            if let head, RuntimeHTTPMessage.mayBeComplete(head, buffer, closed: closed),
                let body = try RuntimeHTTPMessage.body(of: head, in: buffer, closed: closed)
            {
                return HTTPResponse(status: head.status, headers: head.headers, body: body)
            }
            if closed { throw HTTPError(.reset, "the Runtime API closed the connection before the response ended") }
            // Bodies framed by chunks or by the close are only decoded once they may be complete.
            if buffer.count > RuntimeHTTPMessage.maxBytes + 64 * 1024 {
                throw HTTPError(.reset, "the Runtime API sent more than \(RuntimeHTTPMessage.maxBytes) bytes")
            }
        }
    }

    private func failure(_ code: Int32, while doing: String) -> HTTPError {
        let message = "\(doing) the Runtime API at \(runtimeAPI): \(String(cString: strerror(code)))"
        return code == EAGAIN || code == EWOULDBLOCK ? HTTPError(.timeout, message) : HTTPError(.reset, message)
    }
}
