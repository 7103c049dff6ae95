#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Rekognition over its JSON protocol, on images already in S3.
public struct RekognitionClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) { self.client = client }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var parent: String?
        public var confidence: Double
    }

    public struct Face: Sendable, Equatable {
        /// Left, top, width, height as fractions of the image.
        public var left: Double, top: Double, width: Double, height: Double
        public var confidence: Double
    }

    private func call(_ operation: String, _ body: JSONValue, deadline: Date?) throws -> JSONValue {
        try client.callJSON(
            operation, body, protocol: .init(version: "1.1", targetPrefix: "RekognitionService"), deadline: deadline)
    }

    /// The image as an S3 object; with `version`, that version of it (Rekognition reads S3 itself).
    private static func image(bucket: String, key: String, version: String?) -> JSONValue {
        var object: [String: JSONValue] = ["Bucket": .string(bucket), "Name": .string(key)]
        if let version { object["Version"] = .string(version) }
        return .object(["S3Object": .object(object)])
    }

    public func detectModerationLabels(
        bucket: String, key: String, version: String? = nil, minConfidence: Double,
        deadline: Date? = nil
    ) throws -> [Label] {
        let response = try call(
            "DetectModerationLabels",
            .object([
                "Image": Self.image(bucket: bucket, key: key, version: version),
                "MinConfidence": .double(minConfidence),
            ]),
            deadline: deadline)
        return (response["ModerationLabels"]?.array ?? []).map {
            Label(
                name: $0["Name"]?.string ?? "", parent: $0["ParentName"]?.string.flatMap { $0.isEmpty ? nil : $0 },
                confidence: $0["Confidence"]?.number ?? 0)
        }
    }

    public func detectFaces(bucket: String, key: String, version: String? = nil, deadline: Date? = nil) throws -> [Face]
    {
        let response = try call(
            "DetectFaces",
            .object([
                "Image": Self.image(bucket: bucket, key: key, version: version),
                "Attributes": .array([.string("DEFAULT")]),
            ]),
            deadline: deadline)
        return (response["FaceDetails"]?.array ?? []).map {
            let box = $0["BoundingBox"]
            return Face(
                left: box?["Left"]?.number ?? 0, top: box?["Top"]?.number ?? 0, width: box?["Width"]?.number ?? 0,
                height: box?["Height"]?.number ?? 0, confidence: $0["Confidence"]?.number ?? 0)
        }
    }
}
