import DarkroomTestSupport
import Foundation
import LambdaEvents
import Testing

@Suite struct EventBridgeS3EventTests {
    let sample = Paths.repository.appendingPathComponent("events/validate.json")

    /// The sample event (sam local's, and the shape the harness builds) decodes, and what the
    /// starter encodes decodes back to the same value with the same field names.
    @Test func theSampleEventDecodesAndAnEncodedOneReadsBackTheSame() throws {
        let event = try JSONDecoder().decode(EventBridgeS3Event.self, from: Data(contentsOf: sample))
        #expect(event.source == "aws.s3" && event.detailType == EventBridgeS3Event.objectCreated)
        #expect(
            event.detail.object
                == .init(
                    key: "uploads/path.jpg", size: 910_087, etag: "7a4b3a1f0e9d8c7b6a5f4e3d2c1b0a99", versionId: nil))
        let made = EventBridgeS3Event(
            id: "x", resources: ["arn:aws:s3:::b"],
            detail: .init(bucket: .init(name: "b"), object: .init(key: "k y", size: 3, etag: "e", versionId: "v1")))
        let encoded = try JSONEncoder().encode(made)
        #expect(try JSONDecoder().decode(EventBridgeS3Event.self, from: encoded) == made)
        let fields = try #require(JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        let sampleFields = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: sample)) as? [String: Any])
        #expect(Set(fields.keys).isSubset(of: Set(sampleFields.keys)))
        let object = try #require((fields["detail"] as? [String: Any])?["object"] as? [String: Any])
        #expect(object["version-id"] as? String == "v1" && object["key"] as? String == "k y")
    }

    @Test func anS3NotificationsKeyIsDecodedAsTheObjectHasIt() throws {
        let json =
            #"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"uploads/a+b%2Bc.jpg","size":1}}}]}"#
        let event = try JSONDecoder().decode(S3Event.self, from: Data(json.utf8))
        #expect(event.Records.first?.s3.object.decodedKey == "uploads/a b+c.jpg")
    }
}
