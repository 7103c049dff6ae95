public import Pipeline
public import AWSClient

/// Moderation by Rekognition, on the upload where it lies: labels at or above the minimum
/// confidence flag the image; faces are counted and their boxes kept.
public struct RekognitionModerator: ContentModerator {
    private let rekognition: RekognitionClient

    public init(rekognition: RekognitionClient) { self.rekognition = rekognition }

    public func moderate(_ source: SourceObject, minConfidence: Double) async throws -> ModerationResult {
        let (bucket, key, version) = (source.bucket, source.key, source.versionId)
        let labels = try await awsWork { [rekognition] in
            try rekognition.detectModerationLabels(
                bucket: bucket, key: key, version: version, minConfidence: minConfidence, deadline: $0)
        }
        let faces = try await awsWork { [rekognition] in
            try rekognition.detectFaces(bucket: bucket, key: key, version: version, deadline: $0)
        }
        var result = ModerationResult(
            status: labels.isEmpty ? .passed : .flagged,
            labels: labels.map { label in label.parent.map { "\($0)/\(label.name)" } ?? label.name }, faces: faces.count
        )
        result.faceBoxes = faces.map {
            FaceBox(left: $0.left, top: $0.top, width: $0.width, height: $0.height, confidence: $0.confidence)
        }
        return result
    }
}
