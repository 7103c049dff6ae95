#if canImport(Glibc)
    import Glibc
#endif
import Synchronization
import HTTPMessage
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What stands between `darkroom serve` and its clients, because its HTTP server (FlyingFox) has
/// no limit a slow or greedy client meets: it accepts on the served address, and for each
/// connection reads the request's head within ``Limits/headTime`` and ``Limits/headBytes`` (else
/// 408 or 431), holds at most ``Limits/connections`` at once (else 503), then hands the request to
/// the server on a loopback port of its own, marked `Connection: close` so that every request
/// passes here, and relays both ways until either side ends or ``Limits/idleTime`` passes with
/// nothing moving. One thread per connection, plain sockets.
public final class ConnectionGuard: Sendable {
    public struct Limits: Sendable {
        /// Connections held at once; past them a new one is answered 503 and closed.
        public var connections = 64
        /// The longest request head (request line and headers).
        public var headBytes = 16 * 1024
        /// Seconds a client has to send the whole head.
        public var headTime = 10
        /// Seconds a connection may stay with no byte moving either way (a body sent slowly,
        /// an answer not read).
        public var idleTime = 30

        public init() {}
    }

    let limits: Limits
    let upstreamPort: UInt16
    let listener: Int32
    /// The port it listens on.
    public let port: UInt16
    private let open = Atomic<Int>(0)

    /// Listens on `address:port` (0: any free port), relaying to `127.0.0.1:upstreamPort`.
    /// - Throws: `ServeError` when the address cannot be listened on.
    public init(address: String, port: UInt16, upstreamPort: UInt16, limits: Limits = Limits()) throws {
        self.limits = limits
        self.upstreamPort = upstreamPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ServeError("cannot make a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        _ = setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var bound = Self.address(address, port)
        let didBind = withUnsafePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound.sin_family == sa_family_t(AF_INET), didBind == 0, listen(listener, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(listener)
            throw ServeError("cannot listen on \(address):\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    public struct ServeError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    static func address(_ text: String, _ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_port = port.bigEndian
        if inet_pton(AF_INET, text, &address.sin_addr) == 1 { address.sin_family = sa_family_t(AF_INET) }
        return address
    }

    /// Accepts connections until the process ends, each on a thread of its own.
    public func start() {
        onNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                guard open.add(1, ordering: .relaxed).newValue <= limits.connections else {
                    open.subtract(1, ordering: .relaxed)
                    Self.answer(client, 503, "Service Unavailable", "too many connections at once; try again shortly")
                    close(client)
                    continue
                }
                onNewThread { [self] in
                    defer {
                        close(client)
                        open.subtract(1, ordering: .relaxed)
                    }
                    serve(client)
                }
            }
        }
    }

    func serve(_ client: Int32) {
        Self.timeout(client, SO_RCVTIMEO, seconds: limits.headTime)
        Self.timeout(client, SO_SNDTIMEO, seconds: limits.idleTime)
        let deadline = Date().addingTimeInterval(TimeInterval(limits.headTime))
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var end: Int?
        while end == nil {
            guard Date() < deadline else {
                return Self.answer(client, 408, "Request Timeout", "the request's head took too long")
            }
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else {
                if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    Self.answer(client, 408, "Request Timeout", "the request's head took too long")
                }
                return
            }
            head += buffer[..<count]
            end = Self.headEnd(head)
            if end == nil, head.count > limits.headBytes {
                return Self.answer(
                    client, 431, "Request Header Fields Too Large",
                    "a request's head may have \(limits.headBytes) bytes")
            }
        }
        guard let end, end <= limits.headBytes else {
            return Self.answer(
                client, 431, "Request Header Fields Too Large", "a request's head may have \(limits.headBytes) bytes")
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard upstream >= 0 else { return }
        defer { close(upstream) }
        var address = Self.address("127.0.0.1", upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return Self.answer(client, 502, "Bad Gateway", "the server is not answering") }
        Self.timeout(upstream, SO_SNDTIMEO, seconds: limits.idleTime)
        guard Self.sendAll(upstream, Self.closing(Array(head[..<end])) + head[end...]) else { return }
        relay(client, upstream)
    }

    /// Bytes both ways until either side closes, or nothing moves for ``Limits/idleTime``.
    func relay(_ client: Int32, _ upstream: Int32) {
        var sides = [
            pollfd(fd: client, events: Int16(POLLIN), revents: 0),
            pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let ready = poll(&sides, 2, Int32(limits.idleTime * 1000))
            guard ready > 0 else { return }  // idle too long, or an error
            for (index, side) in sides.enumerated() where side.revents != 0 {
                let count = recv(side.fd, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                guard Self.sendAll(index == 0 ? upstream : client, buffer[..<count]) else { return }
            }
        }
    }

    /// Where the head ends (past its blank line), if it has.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
            return index + 4
        }
        return nil
    }

    /// The head with `Connection: close` in place of any Connection header.
    static func closing(_ head: [UInt8]) -> [UInt8] {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let kept = lines.filter { !$0.lowercased().hasPrefix("connection:") && !$0.isEmpty }
        return Array((kept + ["Connection: close", "", ""]).joined(separator: "\r\n").utf8)
    }

    static func answer(_ socket: Int32, _ status: Int, _ phrase: String, _ detail: String) {
        let body = #"{"type":"about:blank","status":\#(status),"title":"\#(phrase)","detail":"\#(detail)"}"#
        let text =
            "HTTP/1.1 \(status) \(phrase)\r\nContent-Type: application/problem+json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = sendAll(socket, Array(text.utf8))
    }

    static func sendAll(_ socket: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let bytes = Array(bytes)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    static func timeout(_ socket: Int32, _ option: Int32, seconds: Int) {
        var time = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, option, &time, socklen_t(MemoryLayout<timeval>.size))
    }
}
