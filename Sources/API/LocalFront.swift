import AWSClient
import HTTPMessage
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What `darkroom serve` hands out in place of S3's presigned URLs and POST policies: links and
/// forms to itself, signed with a key of the process, checked as S3 checks its own.
public struct LocalSigner: Sendable {
    let key: [UInt8]
    /// Where the server is reached (`http://127.0.0.1:8080`).
    public let base: String

    public init(key: [UInt8], base: String) {
        self.key = key
        self.base = base
    }

    func mac(_ text: String) -> String { Digest.hex(Digest.hmacSHA256(key: key, message: Array(text.utf8))) }

    /// Whether `a` and `b` are the same, in time that does not depend on where they differ.
    public static func same(_ a: String, _ b: String) -> Bool {
        Digest.equalInConstantTime(Array(a.utf8), Array(b.utf8))
    }
}

/// Signed links to the files `darkroom serve` serves: `/files/{bucket}/{key}?expires=&signature=`.
public struct LocalLinks: VariantLinks {
    let signer: LocalSigner
    let expires: Int
    let clock: @Sendable () -> Date

    public init(signer: LocalSigner, expires: Int = 3_600, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.expires = expires
        self.clock = clock
    }

    public func link(bucket: String, key: String) throws -> VariantLink {
        let until = Int(clock().timeIntervalSince1970) + expires
        let path = "/files/\(bucket)/\(key)"
        let url = "\(signer.base)\(URIEncoding.encodePath(path))?expires=\(until)&signature=\(signer.mac("\(path)\n\(until)"))"
        return VariantLink(url: url, expiresAt: Date(timeIntervalSince1970: TimeInterval(until)))
    }

    /// Whether a request for `path` (decoded) carries a signature of it that has not expired.
    public func verify(path: String, expires: String?, signature: String?, now: Date = Date()) -> Bool {
        guard let expires, let until = Int(expires), let signature, Double(until) >= now.timeIntervalSince1970 else { return false }
        return LocalSigner.same(signer.mac("\(path)\n\(until)"), signature)
    }
}

/// Upload forms to `darkroom serve` itself, shaped as S3's: the same fields and the same policy
/// document, signed with the process's key instead of SigV4.
public struct LocalUploadForms: UploadForms {
    let signer: LocalSigner
    let clock: @Sendable () -> Date

    public init(signer: LocalSigner, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.clock = clock
    }

    public func form(bucket: String, key: String, contentType: String, sizes: ClosedRange<Int>, metadata: [(name: String, value: String)],
                     expires: Int) throws -> UploadForm {
        let expiresAt = clock().addingTimeInterval(TimeInterval(expires))
        var fields = ["key": key, "Content-Type": contentType]
        for (name, value) in metadata { fields["x-amz-meta-\(name)"] = value }
        let conditions: [JSONValue] = [.object(["bucket": .string(bucket)])]
            + fields.sorted { $0.key < $1.key }.map { JSONValue.object([$0.key: .string($0.value)]) }
            + [.array([.string("content-length-range"), .int(Int64(sizes.lowerBound)), .int(Int64(sizes.upperBound))])]
        let document = JSONValue.object([
            "expiration": .string(expiresAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "conditions": .array(conditions),
        ])
        let policy = Data(try JSONEncoder().encode(document)).base64EncodedString()
        fields["policy"] = policy
        fields["x-amz-signature"] = signer.mac(policy)
        return UploadForm(url: "\(signer.base)/uploads", fields: fields, expiresAt: expiresAt)
    }

    /// What a posted form may write: its key and content type, once the signature, the expiry, every
    /// condition of the policy and the file's size check out, and no field is there that the policy
    /// does not name. - Throws: `Problem` 400 or 403 with S3's error code as `code`.
    public func check(bucket: String, fields: [String: String], fileSize: Int, now: Date = Date()) throws -> (key: String, contentType: String) {
        let lower = Dictionary(fields.map { ($0.key.lowercased(), $0.value) }) { a, _ in a }
        guard let policy = lower["policy"], let signature = lower["x-amz-signature"], let key = lower["key"] else {
            throw Problem(400, "InvalidArgument", "The form must have key, policy and x-amz-signature fields.")
        }
        guard LocalSigner.same(signer.mac(policy), signature) else {
            throw Problem(403, "SignatureDoesNotMatch", "The form's signature does not match its policy.")
        }
        guard let data = Data(base64Encoded: policy), let document = try? JSONDecoder().decode(JSONValue.self, from: data),
            let expiration = document["expiration"]?.string.flatMap({ try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }),
            case .array(let conditions)? = document["conditions"]
        else { throw Problem(400, "InvalidPolicyDocument", "The policy is not a policy document.") }
        guard now < expiration else { throw Problem(403, "AccessDenied", "Invalid according to Policy: Policy expired.") }
        var covered: Set<String> = ["policy", "x-amz-signature", "file"]
        let values = lower.merging(["bucket": bucket]) { a, _ in a }
        for condition in conditions {
            if case .object(let pair) = condition, let (name, value) = pair.first {
                covered.insert(name.lowercased())
                guard values[name.lowercased()] == value.string else {
                    throw Problem(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: \(name)")
                }
            } else if case .array(let parts) = condition, parts.first?.string == "content-length-range", parts.count == 3,
                case .int(let low) = parts[1], case .int(let high) = parts[2] {
                if fileSize < low { throw Problem(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size") }
                if fileSize > high { throw Problem(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size") }
            }
        }
        if let extra = lower.keys.sorted().first(where: { !covered.contains($0) && !$0.hasPrefix("x-ignore-") }) {
            throw Problem(403, "AccessDenied", "Invalid according to Policy: Extra input fields: \(extra)")
        }
        return (key, lower["content-type"] ?? "application/octet-stream")
    }
}

/// The parts of a `multipart/form-data` body: fields by name, and the file (S3 ignores what comes
/// after it).
public struct MultipartForm: Sendable {
    public var fields: [String: String] = [:]
    public var file: [UInt8]?

    /// - Throws: `Problem` 400 `InvalidArgument` when the body is not such a form.
    public init(body: [UInt8], contentType: String) throws {
        let bad = Problem(400, "InvalidArgument", "The body is not multipart/form-data with a file.")
        guard let boundaryParameter = contentType.split(separator: ";").map({ $0.trimmingWhitespace() }).first(where: { $0.hasPrefix("boundary=") })
        else { throw bad }
        var boundary = String(boundaryParameter.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        let delimiter = Array("--\(boundary)".utf8)
        guard let first = Self.find(delimiter, in: body, from: 0) else { throw bad }
        var position = first + delimiter.count
        while position + 2 <= body.count, !(body[position] == UInt8(ascii: "-") && body[position + 1] == UInt8(ascii: "-")) {
            position += 2  // CRLF after the delimiter
            guard let headersEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position),
                let next = Self.find(Array("\r\n".utf8) + delimiter, in: body, from: headersEnd + 4)
            else { throw bad }
            let headers = String(decoding: body[position..<headersEnd], as: UTF8.self)
            let content = Array(body[(headersEnd + 4)..<next])
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
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
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        let first = needle[0]
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
