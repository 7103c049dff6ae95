import AWSClient
import DarkroomTestSupport
import Foundation
import LambdaRuntime
import Pipeline
import Testing

@testable import StageFunction

/// Every shape a stage function accepts, including the sample events under events/.
@Suite struct StageEventTests {
    func sample(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Paths.repository.appendingPathComponent("events/\(name).json")))
    }

    @Test func eventBridgeObjectCreated() throws {
        guard case .uploads(let sources) = try StageEvent.decode(try sample("validate")) else {
            Issue.record("not read as an upload")
            return
        }
        #expect(sources.count == 1 && sources[0].key == "uploads/path.jpg" && sources[0].size == 910087)
    }

    @Test func s3NotificationKeysAreDecoded() throws {
        guard case .uploads(let sources) = try StageEvent.decode(try sample("s3-notification")) else {
            Issue.record("not read as an upload")
            return
        }
        #expect(sources.map(\.key) == ["uploads/summer 2026/path été.jpg"])
    }

    @Test(arguments: ["metadata", "resize", "thumbnail", "moderate"])
    func jobs(_ name: String) throws {
        guard case .job(let job) = try StageEvent.decode(try sample(name)) else {
            Issue.record("not read as a job")
            return
        }
        #expect(job.source.key == "uploads/path.jpg")
    }

    @Test func parallelOutputAndCatchPath() throws {
        guard case .branches(let jobs) = try StageEvent.decode(try sample("archive")) else {
            Issue.record("not read as branches")
            return
        }
        #expect(try ImageJob.merging(jobs).moderation?.status == .skipped)
        // The same outputs as a bare array (a Parallel state without ResultPath).
        let array = try JSONSerialization.jsonObject(with: Data(try sample("archive"))) as? [String: Any]
        let bare = try JSONSerialization.data(withJSONObject: try #require(array?["branches"]))
        guard case .branches(let same) = try StageEvent.decode([UInt8](bare)) else {
            Issue.record("an array of jobs not read as branches")
            return
        }
        #expect(same == jobs)
        guard case .caught(let job, let error, let cause) = try StageEvent.decode(try sample("record-failure")) else {
            Issue.record("not read as a failure")
            return
        }
        #expect(
            job.imageId == "5d0c5f5d7c8a4d6f9b1e2a3c4d5e6f70" && error == "Darkroom.Transient" && cause.contains("503"))
        let caughtUpload =
            #"{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"uploads/x.jpg","size":3}},"error":{"Error":"States.Timeout","Cause":"too slow"}}"#
        guard case .caught(let upload, "States.Timeout", "too slow") = try StageEvent.decode(Array(caughtUpload.utf8))
        else {
            Issue.record("a caught upload event was not read as a failure")
            return
        }
        #expect(upload.source.key == "uploads/x.jpg")
    }

    @Test func sqsBatchesAndTestEvents() throws {
        let inner = String(decoding: try sample("validate"), as: UTF8.self)
        let batch = try JSONEncoder().encode([
            "Records": [
                ["messageId": "m1", "eventSource": "aws:sqs", "body": inner],
                [
                    "messageId": "m2", "eventSource": "aws:sqs",
                    "body": #"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#,
                ],
                ["messageId": "m3", "eventSource": "aws:sqs", "body": "not json"],
            ]
        ])
        guard case .queue(let messages) = try StageEvent.decode([UInt8](batch)) else {
            Issue.record("not read as a batch")
            return
        }
        #expect(messages.map(\.messageId) == ["m1", "m2", "m3"])
        #expect(messages[0].uploads?.count == 1 && messages[1].uploads?.isEmpty == true && messages[2].uploads == nil)
    }

    @Test func anAdoptRunsStepsAreKnownByTheirKey() throws {
        let item =
            #"{"adopt": {"bucket": "photos", "key": "a.jpg", "etag": "\"e1\"", "size": 3, "storageClass": "STANDARD", "run": "r"}}"#
        guard case .adopt(let adopt) = try StageEvent.decode(Array(item.utf8)) else {
            Issue.record("not an adopt step")
            return
        }
        #expect(adopt.key == "a.jpg" && adopt.etag == "\"e1\"" && adopt.size == 3 && adopt.run == "r")
        let batch =
            #"{"adoptBatch": [{"key": "a.jpg", "outcome": "adopted", "imageId": "i"}, {"key": "b/", "outcome": "skipped"}]}"#
        guard case .adoptBatch(let outcomes) = try StageEvent.decode(Array(batch.utf8)) else {
            Issue.record("not an adopt batch")
            return
        }
        #expect(outcomes.map(\.outcome) == [.adopted, .skipped])
    }

    @Test func garbageIsAnInvalidEvent() {
        #expect(throws: LambdaError.self) { try StageEvent.decode(Array("{\"hello\":1}".utf8)) }
        #expect(throws: (any Error).self) { try StageEvent.decode(Array("[1,2]".utf8)) }
    }

    @Test func failuresCarryTheErrorTypesTheStateMachineMatches() {
        #expect(StageFailure(PipelineError.rejected(.corrupt, "x")).errorType == "Darkroom.Rejected")
        #expect(StageFailure(PipelineError(.duplicate, "x")).errorType == "Darkroom.Duplicate")
        #expect(StageFailure(PipelineError(.conflict, "x")).errorType == "Darkroom.Duplicate")
        #expect(StageFailure(PipelineError(.transient, "x")).errorType == "Darkroom.Transient")
        #expect(StageFailure(PipelineError(.invalidConfiguration, "x")).errorType == "Darkroom.Configuration")
        #expect(
            StageFailure(AWSError(.throttled, code: "SlowDown", message: "m", status: 503)).errorType
                == "Darkroom.Transient")
        #expect(
            StageFailure(AWSError(.accessDenied, code: "AccessDenied", message: "m", status: 403)).errorType
                == "Darkroom.Fault")
        #expect(
            StageFailure(PipelineError(AWSError(.transport, message: "reset", transport: .reset))).errorType
                == "Darkroom.Transient")
    }

    /// A job with a field missing or of the wrong type is refused with the field's name, not as
    /// "not an ImageJob".
    @Test(arguments: [
        (#"{"imageId":"a","receivedAt":"2026-01-01T00:00:00Z"}"#, "the job lacks source"),
        (
            #"{"imageId":"a","receivedAt":"2026-01-01T00:00:00Z","source":{"bucket":"b","key":"k"}}"#,
            "the job lacks source.size"
        ),
        (
            #"{"imageId":"a","receivedAt":"2026-01-01T00:00:00Z","source":{"bucket":"b","key":"k","size":"big"}}"#,
            "source.size is not a Int"
        ),
    ])
    func aBrokenJobIsRefusedNamingTheField(_ body: String, _ says: String) throws {
        let error = #expect(throws: LambdaError.self) { try StageEvent.decode(Array(body.utf8)) }
        #expect(error?.message.contains(says) == true, "\(String(describing: error))")
    }
}
