/// A failure's message as the owner may read it: in the record, the API's image view, the page and
/// the notification. What names the deployment is taken out (ARNs, account ids, request and host
/// ids, and the names the caller knows are its own: buckets, table, topic, functions); the raw
/// error goes to the function's log under the record's ``JobRecord/reference``.
public enum PublicMessage {
    /// The most characters kept.
    public static let maxCharacters = 300

    /// `raw` with every ARN, 12-digit account id, request or host id, and each of `names`
    /// replaced by a placeholder, its white space folded, at most ``maxCharacters`` kept.
    public static func clean(_ raw: String, names: [String] = []) -> String {
        var text = raw
        // Longest first, so that a bucket named inside another name goes with it.
        for name in names.filter({ $0.count >= 3 }).sorted(by: { $0.count > $1.count }) {
            text = text.replacing(name, with: "<resource>")
        }
        let words = text.split(whereSeparator: \.isWhitespace).map { word -> String in
            let core = word.drop(while: punctuation.contains).reversed().drop(while: punctuation.contains).reversed()
            guard !core.isEmpty, isInternal(Substring(core)) else { return String(word) }
            return String(word).replacing(core, with: "<redacted>")
        }
        var cleaned = words.joined(separator: " ")
        for label in ["RequestId", "request id", "Request ID", "HostId", "requestId", "x-amz-request-id"] {
            cleaned = redactingValue(after: label, in: cleaned)
        }
        return cleaned.count > maxCharacters ? String(cleaned.prefix(maxCharacters - 1)) + "…" : cleaned
    }

    private static let punctuation: Set<Character> = ["\"", "'", "(", ")", ",", ".", ";", ":", "[", "]", "{", "}"]

    /// An ARN, an account id, a UUID, or an opaque id (16 or more letters and digits with digits
    /// among them, as S3's request and host ids are). An image id (32 lowercase hex digits) is
    /// the owner's own and stays.
    static func isInternal(_ word: Substring) -> Bool {
        if word.hasPrefix("arn:") { return true }
        let characters = Array(word.utf8)
        if characters.count == 32, characters.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
            return false
        }
        if characters.count == 12, characters.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return true }
        let alphanumeric = characters.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 43
                || $0 == 47 || $0 == 61
        }
        let digits = characters.filter { $0 >= 48 && $0 <= 57 }.count
        let letters = characters.filter { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }.count
        return alphanumeric && characters.count >= 16 && digits >= 2 && letters >= 2
    }

    /// "RequestId: ABC" and "RequestId=ABC" with the value replaced.
    private static func redactingValue(after label: String, in text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: label) {
            result += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let separator = rest.prefix(while: { $0 == ":" || $0 == "=" || $0 == " " || $0 == "\"" })
            guard !separator.isEmpty else { continue }
            result += separator
            rest = rest.dropFirst(separator.count)
            let value = rest.prefix(while: { !$0.isWhitespace && $0 != "\"" && $0 != "," && $0 != ")" })
            if !value.isEmpty { result += "<redacted>" }
            rest = rest.dropFirst(value.count)
        }
        return result + rest
    }
}
