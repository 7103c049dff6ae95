import HTTPMessage

/// Reads an HTTP/1.1 response as it arrives on a connection: the head, then a body framed by
/// `Content-Length`, by chunked transfer coding, or by the server closing the connection. The
/// Runtime API may use any of the three (the Runtime Interface Emulator, a Go server, chunks
/// bodies over 2 KB), so all three are read.
enum RuntimeHTTPMessage {
    /// The largest response accepted: Lambda's 6 MB payload limit with room for the head.
    static let maxBytes = 7 * 1024 * 1024

    /// How the body of a response ends.
    enum Framing: Equatable {
        case length(Int)
        case chunked
        /// Neither header: the body ends when the server closes the connection.
        case close
    }

    /// A response's status line and headers, and where its body starts.
    struct Head {
        var status: Int
        var headers: [(name: String, value: String)]
        var bodyStart: Int
        var framing: Framing
    }

    /// The head, once `bytes` hold all of it.
    static func head(_ bytes: [UInt8], closed: Bool) throws(HTTPError) -> Head? {
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            if closed {
                throw HTTPError(.reset, "the Runtime API closed the connection before a complete response head")
            }
            if bytes.count > 64 * 1024 { throw HTTPError(.reset, "the Runtime API sent a response head over 64 KB") }
            return nil
        }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).split(
            separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw HTTPError(.reset, "the Runtime API sent a malformed status line")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let field = headerField(line) else {
                throw HTTPError(.reset, "the Runtime API sent a malformed header line")
            }
            headers.append(field)
        }
        let response = HTTPResponse(status: status, headers: headers, body: [])
        var framing = Framing.close
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            framing = .chunked
        } else if let text = response.header("Content-Length") {
            guard let length = Int(text), length >= 0, length <= maxBytes else {
                throw HTTPError(.reset, "the Runtime API sent an unusable Content-Length: \(text)")
            }
            framing = .length(length)
        } else if status == 204 || status == 304 {
            framing = .length(0)
        }
        return Head(status: status, headers: headers, bodyStart: headEnd + 4, framing: framing)
    }

    /// Whether the body may be complete: only then is it worth decoding (a chunked body is decoded
    /// again from its start each time).
    static func mayBeComplete(_ head: Head, _ bytes: [UInt8], closed: Bool) -> Bool {
        switch head.framing {
        case .length(let length): return closed || bytes.count - head.bodyStart >= length
        case .chunked: return closed || bytes.suffix(4).elementsEqual([13, 10, 13, 10])
        case .close: return closed
        }
    }

    /// The body, once `bytes` hold all of it.
    static func body(of head: Head, in bytes: [UInt8], closed: Bool) throws(HTTPError) -> [UInt8]? {
        let start = head.bodyStart
        switch head.framing {
        case .chunked:
            return try chunked(bytes, from: start, closed: closed)
        case .length(let length):
            if bytes.count - start >= length { return Array(bytes[start..<(start + length)]) }
            if closed {
                throw HTTPError(
                    .reset, "the Runtime API closed the connection \(bytes.count - start) of \(length) body bytes in")
            }
            return nil
        case .close:
            if bytes.count - start > maxBytes {
                throw HTTPError(.reset, "the Runtime API sent a body over \(maxBytes) bytes")
            }
            return closed ? Array(bytes[start...]) : nil
        }
    }

    private static func chunked(_ bytes: [UInt8], from start: Int, closed: Bool) throws(HTTPError) -> [UInt8]? {
        var body: [UInt8] = []
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: position) else { return try incomplete(closed) }
            // A chunk-size line may carry extensions after ';'.
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self).prefix { $0 != ";" }
                .trimmingWhitespace()
            guard let size = Int(sizeText, radix: 16), size >= 0, body.count + size <= maxBytes else {
                throw HTTPError(.reset, "the Runtime API sent a malformed chunk size")
            }
            let dataStart = lineEnd + 2
            if size == 0 {
                // The last chunk, then optional trailer lines and an empty line.
                return find([13, 10, 13, 10], in: bytes, from: lineEnd) != nil ? body : try incomplete(closed)
            }
            guard bytes.count >= dataStart + size + 2 else { return try incomplete(closed) }
            body.append(contentsOf: bytes[dataStart..<(dataStart + size)])
            position = dataStart + size + 2
        }
    }

    private static func incomplete(_ closed: Bool) throws(HTTPError) -> [UInt8]? {
        if closed { throw HTTPError(.reset, "the Runtime API closed the connection in the middle of a chunked body") }
        return nil
    }

    /// Where `pattern` first occurs in `bytes` at or after `start`.
    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        var index = start
        while index <= bytes.count - pattern.count {
            if bytes[index] == pattern[0] && bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                return index
            }
            index += 1
        }
        return nil
    }
}
