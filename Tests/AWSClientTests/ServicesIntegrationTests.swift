import Foundation
import Testing

@testable import AWSClient
import DarkroomTestSupport

/// DynamoDB and SNS against moto with signature checking on; Rekognition against the double that
/// checks signatures with botocore.
@Suite(.serialized) struct ServicesIntegrationTests {
    let stack: LocalAWS
    let clients: AWSClients

    init() throws {
        stack = try #require(LocalAWS.stack, "local_aws.py stack did not start")
        clients = try stack.clients()
    }

    struct Record: Codable, Equatable {
        var imageId: String
        var status: String
        var createdAt: String
        var size: Int
        var ratio: Double
        var tags: [String]
        var stages: [String: Int]
        var note: String?
    }

    func createTable() throws -> String {
        let table = unique("images")
        let definition: JSONValue = .object([
            "TableName": .string(table), "BillingMode": .string("PAY_PER_REQUEST"),
            "AttributeDefinitions": .array(
                ["imageId", "status", "createdAt"].map {
                    .object(["AttributeName": .string($0), "AttributeType": .string("S")])
                }),
            "KeySchema": .array([.object(["AttributeName": .string("imageId"), "KeyType": .string("HASH")])]),
            "GlobalSecondaryIndexes": .array([
                .object([
                    "IndexName": .string("byStatus"),
                    "KeySchema": .array([
                        .object(["AttributeName": .string("status"), "KeyType": .string("HASH")]),
                        .object(["AttributeName": .string("createdAt"), "KeyType": .string("RANGE")]),
                    ]),
                    "Projection": .object(["ProjectionType": .string("ALL")]),
                ])
            ]),
        ])
        guard case .object(let body) = definition else { return table }
        _ = try clients.dynamoDB.call("CreateTable", body, deadline: nil)
        return table
    }

    @Test func dynamoDBItemsRoundTripThroughSwiftTypes() throws {
        let table = try createTable()
        let record = Record(
            imageId: "img-1", status: "RECEIVED", createdAt: "2026-11-26T10:00:00.000Z", size: 12345,
            ratio: 1.5, tags: ["a", "b"], stages: ["validate": 12], note: nil)
        try clients.dynamoDB.putItem(
            table: table, item: try DynamoItemCoder.item(record),
            condition: .init("attribute_not_exists(imageId)"))
        let stored = try #require(try clients.dynamoDB.getItem(table: table, key: ["imageId": .s("img-1")]))
        #expect(stored["size"] == .n("12345") && stored["tags"] == .l([.s("a"), .s("b")]))
        #expect(try DynamoItemCoder.value(Record.self, from: stored) == record)
        #expect(try clients.dynamoDB.getItem(table: table, key: ["imageId": .s("missing")]) == nil)
    }

    /// A failed condition is its own error, not a fault; the item is untouched.
    @Test func conditionalWrites() throws {
        let table = try createTable()
        let key: [String: AttributeValue] = ["imageId": .s("img-2")]
        try clients.dynamoDB.putItem(
            table: table,
            item: key.merging(["status": .s("RECEIVED"), "createdAt": .s("t1"), "stages": .m([:])]) { a, _ in a })
        let duplicate = #expect(throws: AWSError.self) {
            try clients.dynamoDB.putItem(
                table: table, item: key.merging(["status": .s("RECEIVED")]) { a, _ in a },
                condition: .init("attribute_not_exists(imageId)"))
        }
        #expect(duplicate?.kind == .conditionFailed && duplicate?.code == "ConditionalCheckFailedException")
        let updated = try clients.dynamoDB.updateItem(
            table: table, key: key,
            update: .init(
                "SET #s = :next, stages.#v = :timing", names: ["#s": "status", "#v": "validate"],
                values: [":next": .s("PROCESSING"), ":timing": .n("12"), ":from": .s("RECEIVED")]),
            condition: .init("#s = :from"))
        #expect(updated["status"] == .s("PROCESSING"))
        let refused = #expect(throws: AWSError.self) {
            try clients.dynamoDB.updateItem(
                table: table, key: key,
                update: .init(
                    "SET #s = :next", names: ["#s": "status"],
                    values: [":next": .s("RECEIVED"), ":final": .s("COMPLETED")]),
                condition: .init("#s = :final"))
        }
        #expect(refused?.kind == .conditionFailed)
        #expect(try clients.dynamoDB.getItem(table: table, key: key)?["status"] == .s("PROCESSING"))
    }

    @Test func queryOnTheStatusIndexPaginates() throws {
        let table = try createTable()
        for index in 0..<5 {
            try clients.dynamoDB.putItem(
                table: table,
                item: [
                    "imageId": .s("q-\(index)"), "status": .s(index < 4 ? "FAILED" : "COMPLETED"),
                    "createdAt": .s("2026-11-26T10:00:0\(index)Z"),
                ])
        }
        let condition = DynamoDBClient.Expression("#s = :s", names: ["#s": "status"], values: [":s": .s("FAILED")])
        let page = try clients.dynamoDB.query(table: table, index: "byStatus", keyCondition: condition, limit: 3)
        #expect(page.items.count == 3 && page.lastKey != nil)
        let all = try clients.dynamoDB.queryAll(table: table, index: "byStatus", keyCondition: condition, pageSize: 2)
        #expect(all.compactMap { $0["imageId"]?.string } == ["q-0", "q-1", "q-2", "q-3"])
    }

    @Test func snsPublishesWithAttributes() throws {
        let created = try clients.sns.client.send(
            AWSRequest(
                method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array("Action=CreateTopic&Version=2010-03-31&Name=\(unique("outcomes"))".utf8)))
        let topic = try #require(XMLNode.parse(created.body)?.child("CreateTopicResult")?["TopicArn"])
        let id = try clients.sns.publish(
            topicArn: topic, message: #"{"imageId":"x","status":"COMPLETED"}"#, subject: "Darkroom",
            attributes: ["status": "COMPLETED", "imageId": "x & <y>"])
        #expect(!id.isEmpty)
        let missing = #expect(throws: AWSError.self) {
            try clients.sns.publish(topicArn: topic + "-missing", message: "m")
        }
        #expect(missing?.kind == .notFound && missing?.code == "NotFound")
    }

    @Test func rekognitionThroughTheSigningDouble() throws {
        let labels = try clients.rekognition.detectModerationLabels(
            bucket: "uploads", key: "uploads/unsafe.jpg", minConfidence: 80)
        #expect(labels == [RekognitionClient.Label(name: "Explicit Nudity", parent: nil, confidence: 97.5)])
        #expect(
            try clients.rekognition.detectModerationLabels(bucket: "uploads", key: "uploads/cat.jpg", minConfidence: 50)
                .isEmpty)
        let faces = try clients.rekognition.detectFaces(bucket: "uploads", key: "uploads/faces.jpg")
        #expect(faces.count == 2 && faces[0].width == 0.2 && faces[0].left == 0.1)
    }

    @Test func wrongKeysAreRefusedByEveryService() throws {
        var wrong = stack.credentials
        wrong.secretAccessKey = "not-the-secret"
        let recorder = SleepRecorder()
        let bad = try stack.clients(credentials: wrong, retry: recorder.policy)
        let dynamo = #expect(throws: AWSError.self) {
            try bad.dynamoDB.getItem(table: "any", key: ["imageId": .s("x")])
        }
        #expect(dynamo?.kind == .signatureMismatch)
        let sns = #expect(throws: AWSError.self) {
            try bad.sns.publish(topicArn: "arn:aws:sns:us-east-1:123456789012:x", message: "m")
        }
        #expect(sns?.kind == .signatureMismatch)
        let rekognition = #expect(throws: AWSError.self) {
            try bad.rekognition.detectModerationLabels(bucket: "b", key: "k", minConfidence: 80)
        }
        #expect(rekognition?.kind == .signatureMismatch && rekognition?.code == "InvalidSignatureException")
        #expect(recorder.recorded.isEmpty)
    }
}
