import AWSClient
import DarkroomTestSupport
import Foundation
import LambdaEvents
import LambdaRuntime
import MediaTypes
import Pipeline
import PipelineAWS
import Signing
import StageFunction
import Testing

/// The handlers the functions run, against moto with signature checking on: the settle function
/// (the state machine's catch path), a stage function's `handle`, the SNS notifier and the Step
/// Functions starter. What the end-to-end tests reach only through the whole stack, in Swift.
@Suite(.serialized) struct FunctionHandlerTests {
    let stack: LocalAWS
    let aws: AWSClients
    let uploads: String
    let derived: String
    let table: String
    let topic: String
    let services: AWSServices

    init() throws {
        stack = try #require(LocalAWS.stack, "local_aws.py stack did not start")
        aws = try stack.clients()
        uploads = try stack.bucket("uploads", versioned: true)
        derived = try stack.bucket("derived")
        table = try stack.table(fromTemplate: "ImagesTable")
        topic = try Self.createTopic(aws, name: unique("outcomes"))
        services = try AWSServices(environment: [
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": stack.endpoint,
            "AWS_ACCESS_KEY_ID": stack.credentials.accessKeyId,
            "AWS_SECRET_ACCESS_KEY": stack.credentials.secretAccessKey,
            "DARKROOM_TABLE": table, "DARKROOM_TOPIC_ARN": topic, "DARKROOM_DERIVED_BUCKET": derived,
            "DARKROOM_ARCHIVE_BUCKET": derived,
        ])
    }

    static func createTopic(_ aws: AWSClients, name: String) throws -> String {
        let body = "Action=CreateTopic&Version=2010-03-31&Name=\(name)"
        let response = try aws.sns.client.send(
            AWSRequest(
                method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8)
            ))
        return try #require(XMLNode.parse(response.body)?.child("CreateTopicResult")?["TopicArn"])
    }

    var context: LambdaContext {
        LambdaContext(
            requestId: UUID().uuidString, deadline: Date().addingTimeInterval(60),
            functionArn: "arn:aws:lambda:us-east-1:123456789012:function:test", logger: JSONLogger(level: .fatal))
    }

    func upload(_ key: String) async throws -> SourceObject {
        let bytes = Array("not really a photo".utf8)
        try await services.objects.put(
            bucket: uploads, key: key, bytes: bytes, options: PutOptions(contentType: "image/jpeg"))
        let info = try await services.objects.head(bucket: uploads, key: key)
        return SourceObject(bucket: uploads, key: key, versionId: info.versionId, etag: info.etag, size: info.size)
    }

    func caught(_ job: ImageJob, error: String, cause: String) throws -> [UInt8] {
        var object = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(job)) as? [String: Any])
        object["error"] = ["Error": error, "Cause": cause]
        return [UInt8](try JSONSerialization.data(withJSONObject: object))
    }

    func exists(_ bucket: String, _ key: String) async -> Bool {
        (try? await services.objects.head(bucket: bucket, key: key)) != nil
    }

    @Test func theCatchPathRecordsAFailureWithItsCauseAndWithdrawsTheVariants() async throws {
        let job = ImageJob(source: try await upload("uploads/broken.jpg"), receivedAt: "2026-12-02T10:00:00.000Z")
        _ = try await services.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        let variant = try #require(services.config.variantKeys(imageId: job.imageId).first)
        try await services.objects.put(
            bucket: derived, key: variant, bytes: [1], options: PutOptions(contentType: "image/jpeg"))
        let answer = try await SettleFunction.handle(
            try StageEvent(lambdaEvent: caught(job, error: "Darkroom.Transient", cause: "S3 answered 503 three times")),
            services: services, context: context)
        #expect((answer as? ImageJob)?.imageId == job.imageId)
        let record = try #require(try await services.jobs.get(job.imageId))
        #expect(record.status == .failed && record.cause == "Darkroom.Transient" && record.reason == nil)
        #expect(record.detail?.contains("503 three times") == true)
        #expect(record.announced != false, "the announcement was published")
        #expect(!(await exists(derived, variant)))
    }

    @Test func theCatchPathSetsARejectedOriginalAside() async throws {
        var job = ImageJob(source: try await upload("uploads/refused.jpg"), receivedAt: "2026-12-02T10:00:00.000Z")
        job.format = "jpeg"
        _ = try await services.jobs.create(job, at: "2026-12-02T10:00:00.000Z")
        _ = try await services.jobs.update(
            job.imageId, JobUpdate(status: .rejected, reason: RejectionReason.corrupt.rawValue, owner: job.owner),
            at: "2026-12-02T10:00:01.000Z")
        _ = try await SettleFunction.handle(
            try StageEvent(lambdaEvent: caught(job, error: "Darkroom.Rejected", cause: "corrupt")), services: services,
            context: context)
        #expect(!(await exists(uploads, job.source.key)))
        #expect(await exists(uploads, "quarantine/\(job.imageId)/original.jpg"))
    }

    @Test func theCatchPathTakesOnlyACaughtError() async throws {
        let job = ImageJob(source: try await upload("uploads/plain.jpg"), receivedAt: "2026-12-02T10:00:00.000Z")
        await #expect(throws: LambdaError.self) {
            _ = try await SettleFunction.handle(
                try StageEvent(lambdaEvent: LambdaCoding.encode(job)), services: services, context: context)
        }
    }

    /// A stage function's handle: an upload event in, the job out, the stage recorded on the image's
    /// record; a caught error refused (that is the settle function's).
    @Test func aStageRunsOnAnUploadEventAndRecordsItself() async throws {
        let source = try await upload("uploads/moderated.jpg")
        let event = EventBridgeS3Event(
            id: "e-1", resources: ["arn:aws:s3:::\(uploads)"],
            detail: .init(
                bucket: .init(name: uploads),
                object: .init(key: source.key, size: source.size, etag: source.etag, versionId: source.versionId)))
        let stage = ModerateStage(moderator: nil)
        // Moderate is not the stage that opens the record (validate is): open it as validate would.
        _ = try await services.jobs.create(
            ImageJob(source: source, receivedAt: "2026-12-02T10:00:00.000Z"), at: "2026-12-02T10:00:00.000Z")
        let answer = try await StageFunction.handle(
            try StageEvent(lambdaEvent: LambdaCoding.encode(event)), stage: stage, services: services, context: context)
        // What the runtime writes back, read as the next state reads it.
        let job = try JSONDecoder().decode(ImageJob.self, from: Data(LambdaCoding.encode(answer)))
        #expect(job.moderation?.status == .skipped && job.source.versionId == source.versionId)
        let record = try #require(try await services.jobs.get(job.imageId))
        #expect(record.status == .processing && record.stages["moderate"]?.outcome == .succeeded)
        await #expect(throws: LambdaError.self) {
            _ = try await StageFunction.handle(
                try StageEvent(lambdaEvent: caught(job, error: "Darkroom.Fault", cause: "x")), stage: stage,
                services: services, context: context
            )
        }
    }

    /// The notifier's message as a subscriber gets it: the notification as JSON, with the status,
    /// the image id and the cause as message attributes for filters.
    @Test func theNotifierPublishesTheOutcomeWithItsAttributes() async throws {
        func query(_ client: AWSServiceClient, _ form: [(String, String)]) throws -> XMLNode {
            let body = form.map { URIEncoding.encode($0.0) + "=" + URIEncoding.encode($0.1) }.joined(separator: "&")
            let response = try client.send(
                AWSRequest(
                    method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array(body.utf8)))
            return try #require(XMLNode.parse(response.body))
        }
        let sqs = AWSServiceClient(
            service: "sqs", region: "us-east-1", endpoint: try #require(AWSEndpoint.parse(stack.endpoint)),
            credentials: StaticCredentialProvider(stack.credentials), http: HTTPClient(), errorFormat: .xml)
        let queue = try #require(
            try query(sqs, [("Action", "CreateQueue"), ("QueueName", unique("outcomes"))]).child("CreateQueueResult")?[
                "QueueUrl"])
        let queueArn = "arn:aws:sqs:us-east-1:123456789012:" + (queue.split(separator: "/").last.map(String.init) ?? "")
        _ = try query(
            aws.sns.client,
            [
                ("Action", "Subscribe"), ("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", queueArn),
                ("Attributes.entry.1.key", "RawMessageDelivery"), ("Attributes.entry.1.value", "false"),
            ])
        let source = SourceObject(bucket: uploads, key: "uploads/told.jpg", size: 3)
        try await services.notifier.publish(
            Notification(
                imageId: "abc", status: .failed, reason: nil, cause: "stuck", detail: "no progress", source: source,
                variants: []))
        let path = "/" + queue.split(separator: "/").suffix(2).joined(separator: "/")
        let received = try sqs.send(
            AWSRequest(
                method: "POST", path: path, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("Action=ReceiveMessage&WaitTimeSeconds=1&MaxNumberOfMessages=1".utf8)))
        let message = try #require(
            XMLNode.parse(received.body)?.child("ReceiveMessageResult")?.child("Message")?["Body"])
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])
        let notification = try JSONDecoder().decode(
            Pipeline.Notification.self, from: Data((envelope["Message"] as? String ?? "").utf8))
        #expect(notification.status == .failed && notification.cause == "stuck" && notification.reason == nil)
        let attributes = envelope["MessageAttributes"] as? [String: [String: Any]] ?? [:]
        #expect(
            attributes["status"]?["Value"] as? String == "FAILED" && attributes["cause"]?["Value"] as? String == "stuck"
        )
        #expect(attributes["imageId"]?["Value"] as? String == "abc" && attributes["reason"] == nil)
    }

    /// The starter starts the state machine with the event an upload sends, which decodes back to
    /// the same object.
    @Test func theStarterStartsAnExecutionWithTheUploadsEvent() async throws {
        let definition = #"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#
        let created = try aws.stepFunctions.client.callJSON(
            "CreateStateMachine",
            .object([
                "name": .string(unique("pipeline")), "definition": .string(definition),
                "roleArn": .string("arn:aws:iam::123456789012:role/darkroom-test"), "type": .string("STANDARD"),
            ]), protocol: .init(version: "1.0", targetPrefix: "AWSStepFunctions"), deadline: nil)
        let arn = try #require(created["stateMachineArn"]?.string)
        let source = try await upload("uploads/restarted.jpg")
        try await StepFunctionsStarter(stepFunctions: aws.stepFunctions, stateMachineArn: arn).start(source, attempt: 1)
        let listed = try aws.stepFunctions.client.callJSON(
            "ListExecutions", .object(["stateMachineArn": .string(arn)]),
            protocol: .init(version: "1.0", targetPrefix: "AWSStepFunctions"), deadline: nil)
        let execution = try #require(listed["executions"]?.array?.first?["executionArn"]?.string)
        let described = try aws.stepFunctions.client.callJSON(
            "DescribeExecution", .object(["executionArn": .string(execution)]),
            protocol: .init(version: "1.0", targetPrefix: "AWSStepFunctions"), deadline: nil)
        let input = try #require(described["input"]?.string)
        let event = try JSONDecoder().decode(EventBridgeS3Event.self, from: Data(input.utf8))
        #expect(event.detailType == EventBridgeS3Event.objectCreated && event.detail.object.key == source.key)
        #expect(event.detail.object.versionId == source.versionId && event.detail.bucket.name == uploads)
        #expect(execution.contains("reconcile-\(ImageJob.imageId(for: source))-1"))
    }
}
