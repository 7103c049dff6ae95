#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// A DynamoDB attribute value, in DynamoDB's JSON form (`{"S": "..."}`, `{"N": "1"}`, ...).
public indirect enum AttributeValue: Codable, Sendable, Equatable {
    case s(String)
    case n(String)
    case b([UInt8])
    case bool(Bool)
    case null
    case m([String: AttributeValue])
    case l([AttributeValue])
    case ss([String])
    case ns([String])

    enum Key: String, CodingKey { case S, N, B, BOOL, NULL, M, L, SS, NS }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        if let value = try c.decodeIfPresent(String.self, forKey: .S) {
            self = .s(value)
        } else if let value = try c.decodeIfPresent(String.self, forKey: .N) {
            self = .n(value)
        } else if let value = try c.decodeIfPresent(String.self, forKey: .B) {
            guard let data = Data(base64Encoded: value) else {
                throw DecodingError.dataCorruptedError(forKey: .B, in: c, debugDescription: "B is not base64")
            }
            self = .b([UInt8](data))
        } else if let value = try c.decodeIfPresent(Bool.self, forKey: .BOOL) {
            self = .bool(value)
        } else if c.contains(.NULL) {
            self = .null
        } else if let value = try c.decodeIfPresent([String: AttributeValue].self, forKey: .M) {
            self = .m(value)
        } else if let value = try c.decodeIfPresent([AttributeValue].self, forKey: .L) {
            self = .l(value)
        } else if let value = try c.decodeIfPresent([String].self, forKey: .SS) {
            self = .ss(value)
        } else if let value = try c.decodeIfPresent([String].self, forKey: .NS) {
            self = .ns(value)
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown attribute value type"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .s(let value): try c.encode(value, forKey: .S)
        case .n(let value): try c.encode(value, forKey: .N)
        case .b(let value): try c.encode(Data(value).base64EncodedString(), forKey: .B)
        case .bool(let value): try c.encode(value, forKey: .BOOL)
        case .null: try c.encode(true, forKey: .NULL)
        case .m(let value): try c.encode(value, forKey: .M)
        case .l(let value): try c.encode(value, forKey: .L)
        case .ss(let value): try c.encode(value, forKey: .SS)
        case .ns(let value): try c.encode(value, forKey: .NS)
        }
    }

    public var string: String? {
        if case .s(let value) = self { return value }
        return nil
    }

    public var int: Int? {
        if case .n(let value) = self { return Int(value) }
        return nil
    }
}

/// Maps Swift values to and from DynamoDB items through their Codable form: strings become `S`,
/// numbers `N`, booleans `BOOL`, nil `NULL`, arrays `L`, structs and dictionaries `M`.
public enum DynamoItemCoder {
    /// - Throws: `EncodingError`, or `AWSError` `.invalidResponse` when the value is not an object.
    public static func item(_ value: some Encodable) throws -> [String: AttributeValue] {
        let json = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        guard case .m(let item) = attribute(json) else {
            throw AWSError(.invalidResponse, message: "a DynamoDB item must encode as an object")
        }
        return item
    }

    /// - Throws: `DecodingError` when the item does not fit `type`.
    public static func value<T: Decodable>(_ type: T.Type, from item: [String: AttributeValue]) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(json(.m(item))))
    }

    public static func attribute(_ json: JSONValue) -> AttributeValue {
        switch json {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .n(String(value))
        case .double(let value): .n(String(value))
        case .string(let value): .s(value)
        case .array(let values): .l(values.map(attribute))
        case .object(let object): .m(object.mapValues(attribute))
        }
    }

    static func json(_ value: AttributeValue) -> JSONValue {
        switch value {
        case .s(let text): .string(text)
        case .n(let text): Int64(text).map(JSONValue.int) ?? .double(Double(text) ?? 0)
        case .b(let bytes): .string(Data(bytes).base64EncodedString())
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .m(let map): .object(map.mapValues(json))
        case .l(let list): .array(list.map(json))
        case .ss(let strings): .array(strings.map(JSONValue.string))
        case .ns(let numbers): .array(numbers.map { json(.n($0)) })
        }
    }
}
