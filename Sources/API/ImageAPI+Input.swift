import Pipeline

/// What several routes check of their input.
extension ImageAPI {
    static func isImageId(_ text: String) -> Bool {
        text.utf8.count == 32 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A date (`2026-11-27`, the whole day) or an ISO 8601 time, as records write times.
    static func time(_ text: String, endOfDay: Bool, name: String) throws -> String {
        let bad = Problem(
            400, "bad_date", "\(name) must be a date (2026-11-27) or an ISO 8601 time (2026-11-27T10:00:00Z).")
        // The parser is lenient (February 30 is March 2): the day must come back as written.
        let dayText = String(text.prefix(10))
        guard let day = Timestamp.date(dayText + "T00:00:00Z"), Timestamp.string(day).hasPrefix(dayText) else {
            throw bad
        }
        if text.utf8.count == 10 { return Timestamp.string(endOfDay ? day.addingTimeInterval(86_400 - 0.001) : day) }
        guard let time = Timestamp.date(text) else { throw bad }
        return Timestamp.string(time)
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "it is not JSON" : "\(context.codingPath.map(\.stringValue).joined(separator: ".")) is malformed"
        @unknown default: "it could not be read"
        }
    }
}
