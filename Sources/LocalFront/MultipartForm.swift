import API
import HTTPMessage

/// The parts of a `multipart/form-data` body: fields by name, and the file (S3 ignores what comes
/// after it).
public struct MultipartForm: Sendable {
    public var fields: [String: String] = [:]
    public var file: [UInt8]?

    /// A whole body, read as ``MultipartStream`` reads one in pieces.
    /// - Throws: `Problem` 400 `InvalidArgument` when the body is not such a form.
    public init(body: [UInt8], contentType: String) throws {
        var stream = try MultipartStream(contentType: contentType)
        var file: [UInt8] = []
        for event in try stream.feed(body) {
            switch event {
            case .field(let name, let value): fields[name] = value
            case .fileStarts, .fileEnds: break
            case .fileBytes(let bytes): file += bytes
            }
        }
        guard stream.isDone else { throw MultipartStream.bad }
        self.file = file
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
