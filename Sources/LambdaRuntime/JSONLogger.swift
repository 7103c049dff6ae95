#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Log lines in Lambda's JSON log shape: `{"timestamp","level","requestId","message",...fields}`,
/// one line each, on standard error. Values whose field name looks secret are never written.
public struct JSONLogger: Sendable {
    public var level: LogLevel
    public var requestId: String?

    public init(level: LogLevel, requestId: String? = nil) {
        self.level = level
        self.requestId = requestId
    }

    /// Fields whose names contain these are dropped whatever their value.
    static let secretNames = ["secret", "token", "password", "authorization", "credential"]

    public func log(_ level: LogLevel, _ message: String, _ fields: [String: String] = [:]) {
        guard level >= self.level else { return }
        var object: [String: String] = fields.filter { field in
            !Self.secretNames.contains { field.key.lowercased().contains($0) }
        }
        object["timestamp"] = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        object["level"] = level.rawValue
        object["message"] = message
        if let requestId { object["requestId"] = requestId }
        Self.write(object)
    }

    public func info(_ message: String, _ fields: [String: String] = [:]) { log(.info, message, fields) }
    public func error(_ message: String, _ fields: [String: String] = [:]) { log(.error, message, fields) }
    public func debug(_ message: String, _ fields: [String: String] = [:]) { log(.debug, message, fields) }

    /// Writes any JSON-encodable object as one line (the metrics use this for EMF).
    public static func write(_ object: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(0x0A)
        _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
