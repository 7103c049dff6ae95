#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// CloudWatch Embedded Metric Format lines: written to the log, turned into metrics by CloudWatch
/// with no API call. Namespace `Darkroom`.
public enum StageMetrics {
    struct Line: Encodable {
        var values: [String: Double]
        var dimensions: [String: String]
        var names: [(String, String)]
        var timestamp: Int

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            let metrics = names.map { ["Name": $0.0, "Unit": $0.1] }
            var aws = c.nestedContainer(keyedBy: Key.self, forKey: Key("_aws"))
            try aws.encode(timestamp, forKey: Key("Timestamp"))
            var list = aws.nestedUnkeyedContainer(forKey: Key("CloudWatchMetrics"))
            var entry = list.nestedContainer(keyedBy: Key.self)
            try entry.encode("Darkroom", forKey: Key("Namespace"))
            try entry.encode([dimensions.keys.sorted()], forKey: Key("Dimensions"))
            try entry.encode(metrics, forKey: Key("Metrics"))
            for (name, value) in dimensions { try c.encode(value, forKey: Key(name)) }
            for (name, value) in values { try c.encode(value, forKey: Key(name)) }
        }
    }

    /// The metrics of one stage run: images processed, duration, bytes in and out.
    public static func stage(
        _ stage: StageName, durationMs: Double, bytesIn: Int, bytesOut: Int, at date: Date = Date()
    ) -> some Encodable {
        Line(
            values: [
                "ImagesProcessed": 1, "StageDuration": durationMs, "BytesIn": Double(bytesIn),
                "BytesOut": Double(bytesOut),
            ],
            dimensions: ["Stage": stage.rawValue],
            names: [
                ("ImagesProcessed", "Count"), ("StageDuration", "Milliseconds"), ("BytesIn", "Bytes"),
                ("BytesOut", "Bytes"),
            ],
            timestamp: Int(date.timeIntervalSince1970 * 1000))
    }

    /// One fault (a failure that is not the input's: the stage will be retried or the image FAILED).
    public static func fault(_ stage: StageName, at date: Date = Date()) -> some Encodable {
        Line(
            values: ["StageFaults": 1], dimensions: ["Stage": stage.rawValue], names: [("StageFaults", "Count")],
            timestamp: Int(date.timeIntervalSince1970 * 1000))
    }

    /// One rejection, by reason.
    public static func rejection(_ stage: StageName, reason: String, at date: Date = Date()) -> some Encodable {
        Line(
            values: ["Rejections": 1], dimensions: ["Stage": stage.rawValue, "Reason": reason],
            names: [("Rejections", "Count")],
            timestamp: Int(date.timeIntervalSince1970 * 1000))
    }
}
