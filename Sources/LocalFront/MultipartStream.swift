import API
import HTTPMessage

/// A `multipart/form-data` body read as it arrives, in pieces of any size: fields whole (they are
/// small, and the caller bounds them), the file as a stream of bytes, so that it can go to disk
/// and is never held whole. S3 ignores whatever follows the file, and so does this.
public struct MultipartStream: Sendable {
    public enum Event: Sendable, Equatable {
        case field(name: String, value: String)
        /// The file part begins: every field before it has been given.
        case fileStarts
        case fileBytes([UInt8])
        /// The file part is whole; nothing after it is read.
        case fileEnds
    }

    enum State: Sendable {
        case preamble, afterDelimiter, headers, field(String), file, done
    }

    /// The longest a part's headers may be.
    public static let maxPartHeaders = 8 * 1024

    let delimiter: [UInt8]
    /// CRLF and the delimiter: what ends a part.
    let closing: [UInt8]
    var state = State.preamble
    var buffer: [UInt8] = []

    public var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// - Throws: `Problem` 400 `InvalidArgument` when `contentType` names no boundary.
    public init(contentType: String) throws {
        guard
            let parameter = contentType.split(separator: ";").map({ $0.trimmingWhitespace() }).first(where: {
                $0.hasPrefix("boundary=")
            }),
            contentType.lowercased().hasPrefix("multipart/form-data")
        else { throw Self.bad }
        var boundary = String(parameter.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 {
            boundary = String(boundary.dropFirst().dropLast())
        }
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else { throw Self.bad }
        delimiter = Array("--\(boundary)".utf8)
        closing = Array("\r\n".utf8) + delimiter
    }

    static let bad = Problem(400, "InvalidArgument", "The body is not multipart/form-data with a file.")

    /// What `piece` completes. - Throws: `Problem` 400 `InvalidArgument` for a body that is not
    /// such a form.
    public mutating func feed(_ piece: some Sequence<UInt8>) throws -> [Event] {
        guard !isDone else { return [] }
        buffer.append(contentsOf: piece)
        var events: [Event] = []
        while true {
            switch state {
            case .done:
                buffer = []
                return events
            case .preamble:
                guard let at = MultipartForm.find(delimiter, in: buffer, from: 0) else {
                    buffer.removeFirst(max(0, buffer.count - delimiter.count))
                    return events
                }
                buffer.removeFirst(at + delimiter.count)
                state = .afterDelimiter
            case .afterDelimiter:
                guard buffer.count >= 2 else { return events }
                if buffer[0] == UInt8(ascii: "-"), buffer[1] == UInt8(ascii: "-") { throw Self.bad }  // no file
                guard buffer[0] == 0x0D, buffer[1] == 0x0A else { throw Self.bad }
                buffer.removeFirst(2)
                state = .headers
            case .headers:
                guard let end = MultipartForm.find(Array("\r\n\r\n".utf8), in: buffer, from: 0) else {
                    guard buffer.count <= Self.maxPartHeaders else { throw Self.bad }
                    return events
                }
                let headers = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                guard
                    let disposition = headers.split(separator: "\r\n").first(where: {
                        $0.lowercased().hasPrefix("content-disposition:")
                    }),
                    let name = MultipartForm.parameter("name", in: String(disposition))
                else { throw Self.bad }
                if name == "file" {
                    state = .file
                    events.append(.fileStarts)
                } else {
                    state = .field(name)
                }
            case .field(let name):
                guard let end = MultipartForm.find(closing, in: buffer, from: 0) else { return events }
                events.append(.field(name: name, value: String(decoding: buffer[..<end], as: UTF8.self)))
                buffer.removeFirst(end + closing.count)
                state = .afterDelimiter
            case .file:
                if let end = MultipartForm.find(closing, in: buffer, from: 0) {
                    if end > 0 { events.append(.fileBytes(Array(buffer[..<end]))) }
                    events.append(.fileEnds)
                    state = .done
                    continue
                }
                // All but what could be the start of the closing delimiter.
                let safe = buffer.count - (closing.count - 1)
                if safe > 0 {
                    events.append(.fileBytes(Array(buffer[..<safe])))
                    buffer.removeFirst(safe)
                }
                return events
            }
        }
    }
}
