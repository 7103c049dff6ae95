public import Pipeline
public import AWSClient
import LambdaEvents
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
        let input = String(
            decoding: try JSONEncoder().encode(Self.event(source, id: "darkroom-reconcile-\(imageId)-\(attempt)")),
            as: UTF8.self)
        let name = "reconcile-\(imageId)-\(attempt)"
        _ = try await awsWork { [stepFunctions, stateMachineArn] in
            try stepFunctions.startExecution(stateMachineArn: stateMachineArn, input: input, name: name, deadline: $0)
        }
    }

    /// EventBridge's "Object Created" event for `source`, with only the fields the stages read.
    static func event(_ source: SourceObject, id: String) -> EventBridgeS3Event {
        EventBridgeS3Event(
            id: id, resources: ["arn:aws:s3:::\(source.bucket)"],
            detail: .init(
                bucket: .init(name: source.bucket),
                object: .init(key: source.key, size: source.size, etag: source.etag, versionId: source.versionId),
                reason: "DarkroomReconcile"))
    }
}
