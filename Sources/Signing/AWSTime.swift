#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The two time formats SigV4 uses, computed by hand (no formatter, no locale).
public enum AWSTime {
    /// `20150830T123600Z`
    public static func amzDate(_ date: Date) -> String {
        let (y, m, d, hh, mm, ss) = civil(date)
        // Digits written in place: this runs once per signature.
        var text = [UInt8](repeating: UInt8(ascii: "0"), count: 16)
        func put(_ value: Int, at end: Int, width: Int) {
            var rest = value
            for index in stride(from: end, to: end - width, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(y, at: 3, width: 4)
        put(m, at: 5, width: 2)
        put(d, at: 7, width: 2)
        text[8] = UInt8(ascii: "T")
        put(hh, at: 10, width: 2)
        put(mm, at: 12, width: 2)
        put(ss, at: 14, width: 2)
        text[15] = UInt8(ascii: "Z")
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses `20150830T123600Z` or `2015-08-30T12:36:00Z` (fractions and offsets not accepted).
    public static func parse(_ text: String) -> Date? {
        let digits = text.filter(\.isNumber)
        guard digits.count == 14, let y = Int(digits.prefix(4)), let m = Int(digits.dropFirst(4).prefix(2)),
            let d = Int(digits.dropFirst(6).prefix(2)), let hh = Int(digits.dropFirst(8).prefix(2)),
            let mm = Int(digits.dropFirst(10).prefix(2)), let ss = Int(digits.dropFirst(12).prefix(2))
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(daysFromCivil(y, m, d) * 86_400 + hh * 3_600 + mm * 60 + ss))
    }

    /// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), as in a response's `Date` header.
    public static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, let d = Int(parts[1]), let m = months.firstIndex(of: String(parts[2])),
            let y = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return Date(
            timeIntervalSince1970: TimeInterval(
                daysFromCivil(y, m + 1, d) * 86_400 + time[0] * 3_600 + time[1] * 60 + time[2]))
    }

    // Howard Hinnant's civil-from-days and days-from-civil.
    private static func civil(_ date: Date) -> (Int, Int, Int, Int, Int, Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60)
    }

    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
