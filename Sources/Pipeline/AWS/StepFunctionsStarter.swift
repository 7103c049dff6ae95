public import AWSClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Starts the state machine again on an upload, with the "Object Created" event EventBridge would
/// have sent for it (so the execution derives the same image id).
public struct StepFunctionsStarter: ExecutionStarter {
    private let stepFunctions: StepFunctionsClient
    private let stateMachineArn: String

    public init(stepFunctions: StepFunctionsClient, stateMachineArn: String) {
        self.stepFunctions = stepFunctions
        self.stateMachineArn = stateMachineArn
    }

    public func start(_ source: SourceObject, attempt: Int) async throws {
        let imageId = ImageJob.imageId(for: source)
        let input = String(decoding: try JSONEncoder().encode(Self.event(source, id: "darkroom-reconcile-\(imageId)-\(attempt)")), as: UTF8.self)
        let name = "reconcile-\(imageId)-\(attempt)"
        _ = try await awsWork { [stepFunctions, stateMachineArn] in
            try stepFunctions.startExecution(stateMachineArn: stateMachineArn, input: input, name: name, deadline: $0)
        }
    }

    /// EventBridge's "Object Created" event for `source`, with only the fields the stages read.
    static func event(_ source: SourceObject, id: String) -> ObjectCreated {
        ObjectCreated(id: id, resources: ["arn:aws:s3:::\(source.bucket)"],
                      detail: .init(bucket: .init(name: source.bucket),
                                    object: .init(key: source.key, size: source.size, etag: source.etag, versionId: source.versionId)))
    }

    struct ObjectCreated: Encodable {
        struct Detail: Encodable {
            struct Bucket: Encodable { var name: String }
            struct Object: Encodable {
                var key: String
                var size: Int
                var etag: String?
                var versionId: String?
                enum CodingKeys: String, CodingKey {
                    case key, size, etag
                    case versionId = "version-id"
                }
            }
            var bucket: Bucket
            var object: Object
            var reason = "DarkroomReconcile"
        }
        var version = "0"
        var id: String
        var detailType = "Object Created"
        var source = "aws.s3"
        var resources: [String]
        var detail: Detail
        enum CodingKeys: String, CodingKey {
            case version, id, source, resources, detail
            case detailType = "detail-type"
        }
    }
}
