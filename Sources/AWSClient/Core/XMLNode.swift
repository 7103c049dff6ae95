/// A small, non-validating XML reader for AWS responses (S3 and SNS): elements, their text and
/// children. Attributes, comments, processing instructions and DOCTYPEs are skipped; entities are
/// decoded. Depth is bounded, so hostile input cannot exhaust the stack.
public struct XMLNode: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [XMLNode]

    /// The first child of that name.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    /// Every child of that name.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
    /// The text of the first child of that name.
    public subscript(_ name: String) -> String? { child(name)?.text }

    /// Parses a document; nil when it is not well-formed enough to read.
    public static func parse(_ bytes: [UInt8]) -> XMLNode? {
        var parser = Parser(bytes: bytes)
        return parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0
        static let maxDepth = 64

        mutating func document() -> XMLNode? {
            skipMisc()
            guard let root = element(depth: 0) else { return nil }
            return root
        }

        private func peek(_ text: String) -> Bool {
            let needle = Array(text.utf8)
            return at + needle.count <= bytes.count && bytes[at..<at + needle.count].elementsEqual(needle)
        }

        private mutating func skip(past text: String) -> Bool {
            let needle = Array(text.utf8)
            while at + needle.count <= bytes.count {
                if bytes[at..<at + needle.count].elementsEqual(needle) {
                    at += needle.count
                    return true
                }
                at += 1
            }
            at = bytes.count
            return false
        }

        // White space, the XML declaration, comments, processing instructions and DOCTYPE.
        private mutating func skipMisc() {
            while at < bytes.count {
                if bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 || bytes[at] == 0xEF
                    || bytes[at] == 0xBB || bytes[at] == 0xBF
                {
                    at += 1
                } else if peek("<?") {
                    _ = skip(past: "?>")
                } else if peek("<!--") {
                    _ = skip(past: "-->")
                } else if peek("<!") {
                    _ = skip(past: ">")
                } else {
                    return
                }
            }
        }

        private mutating func name() -> String {
            let start = at
            while at < bytes.count, !" \t\r\n/>=".utf8.contains(bytes[at]) { at += 1 }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        private mutating func element(depth: Int) -> XMLNode? {
            guard depth < Self.maxDepth, at < bytes.count, bytes[at] == UInt8(ascii: "<") else { return nil }
            at += 1
            let tag = name()
            guard !tag.isEmpty else { return nil }
            // Attributes: skipped, quoted values included.
            var quote: UInt8? = nil
            while at < bytes.count {
                let byte = bytes[at]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: ">") {
                    break
                }
                at += 1
            }
            guard at < bytes.count else { return nil }
            if bytes[at - 1] == UInt8(ascii: "/") {
                at += 1
                return XMLNode(name: tag, text: "", children: [])
            }
            at += 1
            var node = XMLNode(name: tag, text: "", children: [])
            var text: [UInt8] = []
            while at < bytes.count {
                if peek("</") {
                    at += 2
                    _ = name()
                    guard skip(past: ">") else { return nil }
                    node.text = Self.decodeEntities(text)
                    return node
                } else if peek("<![CDATA[") {
                    at += 9
                    let start = at
                    guard skip(past: "]]>") else { return nil }
                    text += bytes[start..<at - 3]
                } else if peek("<!--") || peek("<?") {
                    skipMisc()
                } else if bytes[at] == UInt8(ascii: "<") {
                    guard let child = element(depth: depth + 1) else { return nil }
                    node.children.append(child)
                } else {
                    text.append(bytes[at])
                    at += 1
                }
            }
            return nil
        }

        static func decodeEntities(_ raw: [UInt8]) -> String {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.contains("&") else { return text }
            var output = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                output += rest[..<amp]
                let afterAmp = rest[rest.index(after: amp)...]
                guard let semi = afterAmp.firstIndex(of: ";"),
                    afterAmp.distance(from: afterAmp.startIndex, to: semi) <= 10
                else {
                    output += "&"
                    rest = afterAmp
                    continue
                }
                let entity = afterAmp[..<semi]
                switch entity {
                case "amp": output += "&"
                case "lt": output += "<"
                case "gt": output += ">"
                case "quot": output += "\""
                case "apos": output += "'"
                default:
                    let number =
                        entity.hasPrefix("#x")
                        ? UInt32(entity.dropFirst(2), radix: 16)
                        : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                    if let number, let scalar = Unicode.Scalar(number) {
                        output.unicodeScalars.append(scalar)
                    } else {
                        output += "&" + entity + ";"
                    }
                }
                rest = afterAmp[afterAmp.index(after: semi)...]
            }
            return output + rest
        }
    }
}
