#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
public import API
import AWSClient

/// Upload forms to `darkroom serve` itself, shaped as S3's: the same fields and the same policy
/// document, signed with the process's key instead of SigV4.
public struct LocalUploadForms: UploadForms {
    let signer: LocalSigner
    let clock: @Sendable () -> Date

    public init(signer: LocalSigner, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.clock = clock
    }

    public func form(
        bucket: String, key: String, contentType: String, sizes: ClosedRange<Int>,
        metadata: [(name: String, value: String)],
        expires: Int
    ) throws -> UploadForm {
        let expiresAt = clock().addingTimeInterval(TimeInterval(expires))
        var fields = ["key": key, "Content-Type": contentType]
        for (name, value) in metadata { fields["x-amz-meta-\(name)"] = value }
        let conditions: [JSONValue] =
            [.object(["bucket": .string(bucket)])]
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
    public func check(bucket: String, fields: [String: String], fileSize: Int, now: Date = Date()) throws -> (
        key: String, contentType: String
    ) {
        let admitted = try admit(bucket: bucket, fields: fields, fileSize: fileSize, now: now)
        return (admitted.key, admitted.contentType)
    }

    /// What a form's fields allow, before its file is read: everything ``check(bucket:fields:fileSize:now:)``
    /// checks but the size, and the sizes the file may have, for its reader to hold it to as it
    /// streams. - Throws: `Problem` 400 or 403 with S3's error code as `code`.
    public func admit(bucket: String, fields: [String: String], fileSize: Int? = nil, now: Date = Date()) throws -> (
        key: String, contentType: String, sizes: (lowest: Int, highest: Int)
    ) {
        let lower = Dictionary(fields.map { ($0.key.lowercased(), $0.value) }) { a, _ in a }
        guard let policy = lower["policy"], let signature = lower["x-amz-signature"], let key = lower["key"] else {
            throw Problem(400, "InvalidArgument", "The form must have key, policy and x-amz-signature fields.")
        }
        guard LocalSigner.same(signer.mac(policy), signature) else {
            throw Problem(403, "SignatureDoesNotMatch", "The form's signature does not match its policy.")
        }
        guard let data = Data(base64Encoded: policy),
            let document = try? JSONDecoder().decode(JSONValue.self, from: data),
            let expiration = document["expiration"]?.string.flatMap({
                try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0)
            }),
            case .array(let conditions)? = document["conditions"]
        else { throw Problem(400, "InvalidPolicyDocument", "The policy is not a policy document.") }
        guard now < expiration else {
            throw Problem(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        }
        let sizes = try Self.checkConditions(conditions, fields: lower, bucket: bucket, fileSize: fileSize)
        return (key, lower["content-type"] ?? "application/octet-stream", sizes)
    }

    /// - Throws: `Problem` 400 `EntityTooSmall` or `EntityTooLarge`, S3's answers.
    public static func checkSize(_ fileSize: Int, lowest: Int, highest: Int) throws {
        if fileSize < lowest {
            throw Problem(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
        }
        if fileSize > highest {
            throw Problem(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        }
    }

    /// Every condition of a policy over the form's fields (names lower-cased), and no field the
    /// policy does not name; the file's size too, when it is known. Returns the sizes its
    /// content-length-range conditions allow, for a file still to be read (any, without one).
    /// - Throws: `Problem` 400 or 403 with S3's error code.
    @discardableResult
    static func checkConditions(
        _ conditions: [JSONValue], fields lower: [String: String], bucket: String, fileSize: Int?
    ) throws -> (lowest: Int, highest: Int) {
        var covered: Set<String> = ["policy", "x-amz-signature", "file"]
        var sizes = (lowest: 0, highest: Int.max)
        let values = lower.merging(["bucket": bucket]) { a, _ in a }
        for condition in conditions {
            try Self.check(condition, values: values, fileSize: fileSize, sizes: &sizes, covered: &covered)
        }
        if let extra = lower.keys.sorted().first(where: { !covered.contains($0) && !$0.hasPrefix("x-ignore-") }) {
            throw Problem(403, "AccessDenied", "Invalid according to Policy: Extra input fields: \(extra)")
        }
        return sizes
    }

    /// One condition of a policy, as S3 reads it: `{"name": "value"}` and `["eq", "$name", "value"]`
    /// must match exactly, `["starts-with", "$name", "prefix"]` by prefix, and
    /// `["content-length-range", low, high]` bounds the file. The harness's S3 double reads the same
    /// conditions; `Tests/Conformance/post-policy/cases.json` holds both to one table.
    static func check(
        _ condition: JSONValue, values: [String: String], fileSize: Int?, sizes: inout (lowest: Int, highest: Int),
        covered: inout Set<String>
    ) throws {
        func failed(_ text: String) -> Problem {
            Problem(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed: \(text)")
        }
        if case .object(let pair) = condition, pair.count == 1, let (name, value) = pair.first,
            let expected = value.string
        {
            covered.insert(name.lowercased())
            guard values[name.lowercased()] == expected else { throw failed(#"["eq", "$\#(name)", "\#(expected)"]"#) }
            return
        }
        guard case .array(let parts) = condition, let operation = parts.first?.string else {
            throw Problem(400, "InvalidPolicyDocument", "Invalid Policy: a condition is neither an object nor a list.")
        }
        switch operation {
        case "content-length-range":
            guard parts.count == 3, case .int(let low) = parts[1], case .int(let high) = parts[2] else {
                throw Problem(400, "InvalidPolicyDocument", "Invalid Policy: content-length-range takes two integers.")
            }
            if let fileSize { try Self.checkSize(fileSize, lowest: Int(clamping: low), highest: Int(clamping: high)) }
            // Every range the policy states holds: a file still to come must fit all of them.
            sizes = (max(sizes.lowest, Int(clamping: low)), min(sizes.highest, Int(clamping: high)))
        case "eq", "starts-with":
            guard parts.count == 3, let field = parts[1].string, field.hasPrefix("$"), let expected = parts[2].string
            else {
                throw Problem(400, "InvalidPolicyDocument", "Invalid Policy: \(operation) takes a $field and a value.")
            }
            let name = field.dropFirst().lowercased()
            covered.insert(name)
            let value = values[name] ?? ""
            guard operation == "eq" ? value == expected : value.hasPrefix(expected) else {
                throw failed(#"["\#(operation)", "\#(field)", "\#(expected)"]"#)
            }
        default:
            throw Problem(400, "InvalidPolicyDocument", "Invalid Policy: unknown condition \(operation).")
        }
    }
}
