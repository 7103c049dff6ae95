#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
#if canImport(Glibc)
    import Glibc
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
        try client.callJSON(
            operation, .object(body), protocol: .init(version: "1.0", targetPrefix: "DynamoDB_20120810"),
            deadline: deadline)
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
    public func putItem(
        table: String, item: [String: AttributeValue], condition: Expression? = nil, deadline: Date? = nil
    ) throws {
        var body: [String: JSONValue] = ["TableName": .string(table), "Item": try encode(item)]
        try add(condition, as: "ConditionExpression", to: &body)
        _ = try call("PutItem", body, deadline: deadline)
    }

    /// - Returns: the item as it is after the update.
    /// - Throws: `AWSError` with kind `.conditionFailed` when `condition` is false.
    @discardableResult
    public func updateItem(
        table: String, key: [String: AttributeValue], update: Expression, condition: Expression? = nil,
        deadline: Date? = nil
    ) throws -> [String: AttributeValue] {
        var body: [String: JSONValue] = [
            "TableName": .string(table), "Key": try encode(key), "ReturnValues": .string("ALL_NEW"),
        ]
        try add(update, as: "UpdateExpression", to: &body)
        try add(condition, as: "ConditionExpression", to: &body)
        return try item(try call("UpdateItem", body, deadline: deadline)["Attributes"]) ?? [:]
    }

    /// Deletes the item (deleting a missing item is not an error).
    public func deleteItem(
        table: String, key: [String: AttributeValue], condition: Expression? = nil, deadline: Date? = nil
    ) throws {
        var body: [String: JSONValue] = ["TableName": .string(table), "Key": try encode(key)]
        try add(condition, as: "ConditionExpression", to: &body)
        _ = try call("DeleteItem", body, deadline: deadline)
    }

    public func getItem(
        table: String, key: [String: AttributeValue], consistentRead: Bool = true, deadline: Date? = nil
    ) throws
        -> [String: AttributeValue]?
    {
        let body: [String: JSONValue] = [
            "TableName": .string(table), "Key": try encode(key), "ConsistentRead": .bool(consistentRead),
        ]
        return try item(try call("GetItem", body, deadline: deadline)["Item"])
    }

    /// One page of a Query (on the table or on `index`), newest first when `forward` is false;
    /// `filter` drops items after they are read (they still count against `limit`).
    public func query(
        table: String, index: String? = nil, keyCondition: Expression, filter: Expression? = nil, limit: Int? = nil,
        startKey: [String: AttributeValue]? = nil, forward: Bool = true, deadline: Date? = nil
    ) throws
        -> (items: [[String: AttributeValue]], lastKey: [String: AttributeValue]?)
    {
        var body: [String: JSONValue] = ["TableName": .string(table), "ScanIndexForward": .bool(forward)]
        if let index { body["IndexName"] = .string(index) }
        if let limit { body["Limit"] = .int(Int64(limit)) }
        if let startKey { body["ExclusiveStartKey"] = try encode(startKey) }
        try add(keyCondition, as: "KeyConditionExpression", to: &body)
        try add(filter, as: "FilterExpression", to: &body)
        let response = try call("Query", body, deadline: deadline)
        let items = try (response["Items"]?.array ?? []).compactMap { try item($0) }
        return (items, try item(response["LastEvaluatedKey"]))
    }

    /// One page of a Scan of the whole table: the items `filter` keeps (every item read counts
    /// against `limit` and is billed), only the attributes `projection` names.
    public func scan(
        table: String, filter: Expression? = nil, projection: Expression? = nil, limit: Int? = nil,
        startKey: [String: AttributeValue]? = nil, deadline: Date? = nil
    ) throws -> (items: [[String: AttributeValue]], lastKey: [String: AttributeValue]?) {
        var body: [String: JSONValue] = ["TableName": .string(table)]
        if let limit { body["Limit"] = .int(Int64(limit)) }
        if let startKey { body["ExclusiveStartKey"] = try encode(startKey) }
        try add(filter, as: "FilterExpression", to: &body)
        try add(projection, as: "ProjectionExpression", to: &body)
        let response = try call("Scan", body, deadline: deadline)
        let items = try (response["Items"]?.array ?? []).compactMap { try item($0) }
        return (items, try item(response["LastEvaluatedKey"]))
    }

    /// Every item a Query matches, page after page.
    public func queryAll(
        table: String, index: String? = nil, keyCondition: Expression, pageSize: Int? = nil,
        deadline: Date? = nil
    ) throws -> [[String: AttributeValue]] {
        var all: [[String: AttributeValue]] = []
        var startKey: [String: AttributeValue]?
        repeat {
            let page = try query(
                table: table, index: index, keyCondition: keyCondition, limit: pageSize, startKey: startKey,
                deadline: deadline)
            all += page.items
            startKey = page.lastKey
        } while startKey != nil
        return all
    }

    /// DynamoDB's most keys in one BatchGetItem and items in one BatchWriteItem.
    public static let batchGetLimit = 100
    public static let batchWriteLimit = 25

    /// The items with these keys that exist (in no particular order), at most ``batchGetLimit``
    /// keys; keys DynamoDB leaves unprocessed are asked for again.
    public func batchGetItem(
        table: String, keys: [[String: AttributeValue]], consistentRead: Bool = false,
        deadline: Date? = nil
    ) throws -> [[String: AttributeValue]] {
        precondition(keys.count <= Self.batchGetLimit, "BatchGetItem takes at most \(Self.batchGetLimit) keys")
        var found: [[String: AttributeValue]] = []
        var request: JSONValue? =
            keys.isEmpty
            ? nil
            : .object([table: .object(["Keys": try encode(keys), "ConsistentRead": .bool(consistentRead)])])
        var rounds = 0
        while let pending = request {
            let response = try call("BatchGetItem", ["RequestItems": pending], deadline: deadline)
            found += try (response["Responses"]?[table]?.array ?? []).compactMap { try item($0) }
            request = response["UnprocessedKeys"].flatMap { $0[table] == nil ? nil : $0 }
            rounds += 1
            if request != nil { try backOff(rounds, "BatchGetItem", deadline: deadline) }
        }
        return found
    }

    /// Puts `puts` and deletes the items keyed `deletes`, at most ``batchWriteLimit`` in all (not
    /// atomically); writes DynamoDB leaves unprocessed are sent again.
    public func batchWriteItem(
        table: String, puts: [[String: AttributeValue]] = [], deletes: [[String: AttributeValue]] = [],
        deadline: Date? = nil
    ) throws {
        precondition(
            puts.count + deletes.count <= Self.batchWriteLimit,
            "BatchWriteItem takes at most \(Self.batchWriteLimit) writes")
        let writes =
            try puts.map { JSONValue.object(["PutRequest": .object(["Item": try encode($0)])]) }
            + deletes.map { JSONValue.object(["DeleteRequest": .object(["Key": try encode($0)])]) }
        var request: JSONValue? = writes.isEmpty ? nil : .object([table: .array(writes)])
        var rounds = 0
        while let pending = request {
            let response = try call("BatchWriteItem", ["RequestItems": pending], deadline: deadline)
            request = response["UnprocessedItems"].flatMap { $0[table] == nil ? nil : $0 }
            rounds += 1
            if request != nil { try backOff(rounds, "BatchWriteItem", deadline: deadline) }
        }
    }

    /// Waits before asking again for what a batch left unprocessed (DynamoDB's throttling), by the
    /// client's one retry decision, giving up after five rounds or at the deadline.
    private func backOff(_ round: Int, _ operation: String, deadline: Date?) throws {
        let unprocessed = AWSError(
            .throttled, code: "UnprocessedItems", message: "\(operation) left items unprocessed \(round) time(s)")
        try client.backOff(after: unprocessed, attempt: round, maxAttempts: 5, deadline: deadline)
    }
}
