#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// DynamoDB over its JSON protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`).
public struct DynamoDBClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    /// Expression names (`#n`) and values (`:v`) of a condition or update.
    public struct Expression: Sendable {
        public var text: String
        public var names: [String: String]
        public var values: [String: AttributeValue]

        public init(_ text: String, names: [String: String] = [:], values: [String: AttributeValue] = [:]) {
            self.text = text
            self.names = names
            self.values = values
        }
    }

    func call(_ operation: String, _ body: [String: JSONValue], deadline: Date?) throws -> JSONValue {
        let request = AWSRequest(
            method: "POST", path: "/",
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.\(operation)")],
            body: [UInt8](try JSONEncoder().encode(JSONValue.object(body))))
        let response = try client.send(request, deadline: deadline)
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)) else {
            throw AWSError(.invalidResponse, message: "DynamoDB \(operation) answered something that is not JSON")
        }
        return json
    }

    private func encode(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    private func add(_ expression: Expression?, as key: String, to body: inout [String: JSONValue]) throws {
        guard let expression else { return }
        body[key] = .string(expression.text)
        if !expression.names.isEmpty {
            var names = body["ExpressionAttributeNames"]?.object ?? [:]
            for (k, v) in expression.names { names[k] = .string(v) }
            body["ExpressionAttributeNames"] = .object(names)
        }
        if !expression.values.isEmpty {
            var values = body["ExpressionAttributeValues"]?.object ?? [:]
            for (k, v) in expression.values { values[k] = try encode(v) }
            body["ExpressionAttributeValues"] = .object(values)
        }
    }

    private func item(_ json: JSONValue?) throws -> [String: AttributeValue]? {
        guard let json, case .object = json else { return nil }
        return try JSONDecoder().decode([String: AttributeValue].self, from: JSONEncoder().encode(json))
    }

    /// - Throws: `AWSError` with kind `.conditionFailed` when `condition` is false.
    public func putItem(table: String, item: [String: AttributeValue], condition: Expression? = nil, deadline: Date? = nil) throws {
        var body: [String: JSONValue] = ["TableName": .string(table), "Item": try encode(item)]
        try add(condition, as: "ConditionExpression", to: &body)
        _ = try call("PutItem", body, deadline: deadline)
    }

    /// - Returns: the item as it is after the update.
    /// - Throws: `AWSError` with kind `.conditionFailed` when `condition` is false.
    @discardableResult
    public func updateItem(table: String, key: [String: AttributeValue], update: Expression, condition: Expression? = nil,
                           deadline: Date? = nil) throws -> [String: AttributeValue] {
        var body: [String: JSONValue] = ["TableName": .string(table), "Key": try encode(key), "ReturnValues": .string("ALL_NEW")]
        try add(update, as: "UpdateExpression", to: &body)
        try add(condition, as: "ConditionExpression", to: &body)
        return try item(try call("UpdateItem", body, deadline: deadline)["Attributes"]) ?? [:]
    }

    public func getItem(table: String, key: [String: AttributeValue], consistentRead: Bool = true, deadline: Date? = nil) throws
        -> [String: AttributeValue]?
    {
        let body: [String: JSONValue] = ["TableName": .string(table), "Key": try encode(key), "ConsistentRead": .bool(consistentRead)]
        return try item(try call("GetItem", body, deadline: deadline)["Item"])
    }

    /// One page of a Query (on the table or on `index`).
    public func query(table: String, index: String? = nil, keyCondition: Expression, limit: Int? = nil,
                      startKey: [String: AttributeValue]? = nil, forward: Bool = true, deadline: Date? = nil) throws
        -> (items: [[String: AttributeValue]], lastKey: [String: AttributeValue]?)
    {
        var body: [String: JSONValue] = ["TableName": .string(table), "ScanIndexForward": .bool(forward)]
        if let index { body["IndexName"] = .string(index) }
        if let limit { body["Limit"] = .int(Int64(limit)) }
        if let startKey { body["ExclusiveStartKey"] = try encode(startKey) }
        try add(keyCondition, as: "KeyConditionExpression", to: &body)
        let response = try call("Query", body, deadline: deadline)
        let items = try (response["Items"]?.array ?? []).compactMap { try item($0) }
        return (items, try item(response["LastEvaluatedKey"]))
    }

    /// Every item a Query matches, page after page.
    public func queryAll(table: String, index: String? = nil, keyCondition: Expression, pageSize: Int? = nil,
                         deadline: Date? = nil) throws -> [[String: AttributeValue]] {
        var all: [[String: AttributeValue]] = []
        var startKey: [String: AttributeValue]?
        repeat {
            let page = try query(table: table, index: index, keyCondition: keyCondition, limit: pageSize, startKey: startKey, deadline: deadline)
            all += page.items
            startKey = page.lastKey
        } while startKey != nil
        return all
    }
}
