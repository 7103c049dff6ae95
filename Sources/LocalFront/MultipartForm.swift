import API
import HTTPMessage

/// The parts of a `multipart/form-data` body: fields by name, and the file (S3 ignores what comes
/// after it).
public struct MultipartForm: Sendable {
    public var fields: [String: String] = [:]
    public var file: [UInt8]?

    /// - Throws: `Problem` 400 `InvalidArgument` when the body is not such a form.
    public init(body: [UInt8], contentType: String) throws {
        let bad = Problem(400, "InvalidArgument", "The body is not multipart/form-data with a file.")
        guard
            let boundaryParameter = contentType.split(separator: ";").map({ $0.trimmingWhitespace() }).first(where: {
                $0.hasPrefix("boundary=")
            })
        else { throw bad }
        var boundary = String(boundaryParameter.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 {
            boundary = String(boundary.dropFirst().dropLast())
        }
        let delimiter = Array("--\(boundary)".utf8)
        guard let first = Self.find(delimiter, in: body, from: 0) else { throw bad }
        var position = first + delimiter.count
        while position + 2 <= body.count,
            !(body[position] == UInt8(ascii: "-") && body[position + 1] == UInt8(ascii: "-"))
        {
            position += 2  // CRLF after the delimiter
            guard let headersEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position),
                let next = Self.find(Array("\r\n".utf8) + delimiter, in: body, from: headersEnd + 4)
            else { throw bad }
            let headers = String(decoding: body[position..<headersEnd], as: UTF8.self)
            let content = Array(body[(headersEnd + 4)..<next])
            guard
                let disposition = headers.split(separator: "\r\n").first(where: {
                    $0.lowercased().hasPrefix("content-disposition:")
                }),
                let name = Self.parameter("name", in: String(disposition))
            else { throw bad }
            if name == "file" {
                file = content
                return
            }
            fields[name] = String(decoding: content, as: UTF8.self)
            position = next + 2 + delimiter.count
        }
        throw bad
    }

    static func parameter(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";").map({ $0.trimmingWhitespace() }) where part.hasPrefix("\(name)=") {
            var value = String(part.dropFirst(name.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        var index = start
        let first = needle[0]
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}
