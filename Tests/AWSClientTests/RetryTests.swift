import Foundation
import Testing

@testable import AWSClient
import DarkroomTestSupport
import HTTPMessage
import Signing

/// The retry rules against a server that misbehaves on purpose (harness/local_aws.py faults).
@Suite struct RetryTests {
    let faults: LocalAWS

    init() throws {
        faults = try #require(LocalAWS.faults, "local_aws.py faults did not start")
    }

    func client(
        _ service: String = "s3", format: AWSServiceClient.ErrorFormat = .xml, retry: RetryPolicy,
        http: HTTPClient = HTTPClient(connectTimeout: 1_000, timeout: 5_000)
    ) throws -> AWSServiceClient {
        AWSServiceClient(
            service: service, region: "us-east-1", endpoint: try #require(AWSEndpoint.parse(faults.endpoint)),
            credentials: StaticCredentialProvider(Credentials(accessKeyId: "AKID", secretAccessKey: "secret")),
            http: http,
            errorFormat: format, retry: retry)
    }

    func count(_ path: String) throws -> Int {
        let response = try HTTPClient().send(HTTPRequest(method: "GET", url: faults.endpoint + "/counts"))
        let counts = try JSONDecoder().decode([String: Int].self, from: Data(response.body))
        return counts[path] ?? 0
    }

    @Test func slowDownTwiceThenSuccessTakesThreeAttempts() throws {
        let recorder = SleepRecorder()
        let path = "/slowdown-twice/\(UUID().uuidString)"
        let response = try client(retry: recorder.policy).send(AWSRequest(method: "GET", path: path))
        #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self) == "done")
        #expect(try count(path) == 3)
        #expect(recorder.recorded.count == 2)
        // Full jitter: each wait is at most base x 2^(attempt-1).
        #expect(recorder.recorded[0] <= 0.01 && recorder.recorded[1] <= 0.02)
    }

    @Test func aClientErrorIsNotRetried() throws {
        let recorder = SleepRecorder()
        let path = "/bad-request/\(UUID().uuidString)"
        let error = #expect(throws: AWSError.self) {
            try client(retry: recorder.policy).send(AWSRequest(method: "GET", path: path))
        }
        #expect(error?.code == "InvalidArgument" && error?.status == 400 && error?.requestId == "R2")
        #expect(try count(path) == 1 && recorder.recorded.isEmpty)
    }

    @Test func retriesStopAtThreeAttempts() throws {
        let recorder = SleepRecorder()
        let path = "/always-503/\(UUID().uuidString)"
        let error = #expect(throws: AWSError.self) {
            try client(retry: recorder.policy).send(AWSRequest(method: "PUT", path: path, body: [1, 2]))
        }
        #expect(error?.kind == .throttled && error?.code == "SlowDown")
        #expect(try count(path) == 3 && recorder.recorded.count == 2)
    }

    @Test func throttlingInJSONIsRetried() throws {
        let recorder = SleepRecorder()
        let path = "/throttled-json/\(UUID().uuidString)"
        _ = try client("dynamodb", format: .json, retry: recorder.policy).send(
            AWSRequest(method: "POST", path: path, body: Array("{}".utf8)))
        #expect(try count(path) == 2)
    }

    @Test func aResetConnectionIsRetried() throws {
        let recorder = SleepRecorder()
        let path = "/reset/\(UUID().uuidString)"
        let response = try client(retry: recorder.policy).send(AWSRequest(method: "GET", path: path))
        #expect(String(decoding: response.body, as: UTF8.self) == "after reset" && recorder.recorded.count == 1)
    }

    @Test func aStalledServerHitsTheTimeout() throws {
        let recorder = SleepRecorder()
        let slow = try client(
            retry: RetryPolicy(maxAttempts: 1, sleep: recorder.policy.sleep),
            http: HTTPClient(connectTimeout: 1_000, timeout: 500))
        let started = Date()
        let error = #expect(throws: AWSError.self) {
            try slow.send(AWSRequest(method: "GET", path: "/stall/\(UUID().uuidString)"))
        }
        #expect(error?.kind == .transport && error?.transport == .timeout)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func noRetrySleepsPastTheDeadline() throws {
        let recorder = SleepRecorder()
        let patient = RetryPolicy(baseDelay: 5, sleep: recorder.policy.sleep)
        let path = "/always-503/\(UUID().uuidString)"
        var sawDeadline = false
        // Full jitter may draw a short wait; a handful of tries is sure to draw one past 1 s.
        for _ in 0..<20 where !sawDeadline {
            do {
                _ = try client(retry: patient).send(
                    AWSRequest(method: "GET", path: path), deadline: Date().addingTimeInterval(1))
            } catch let error as AWSError {
                sawDeadline = error.kind == .deadlineExceeded
            }
        }
        #expect(sawDeadline)
        #expect(recorder.recorded.allSatisfy { $0 < 1 }, "slept past the deadline: \(recorder.recorded)")
    }

    @Test func connectionRefusedIsATypedTransportError() throws {
        let closed = AWSServiceClient(
            service: "s3", region: "us-east-1", endpoint: try #require(AWSEndpoint.parse("http://127.0.0.1:9")),
            credentials: StaticCredentialProvider(Credentials(accessKeyId: "A", secretAccessKey: "B")),
            http: HTTPClient(),
            errorFormat: .xml, retry: RetryPolicy(maxAttempts: 1))
        let error = #expect(throws: AWSError.self) { try closed.send(AWSRequest(method: "GET")) }
        #expect(error?.kind == .transport && error?.transport == .connect && error?.message.isEmpty == false)
    }

    /// A server that says the request's time is skewed gets a request signed with its own clock.
    @Test func clockSkewIsCorrectedFromTheDateHeader() throws {
        let recorder = SleepRecorder()
        let skewed = try client(retry: recorder.policy)
        let response = try skewed.send(AWSRequest(method: "GET", path: "/skewed/\(UUID().uuidString)"))
        let sent = try #require(AWSTime.parse(String(decoding: response.body, as: UTF8.self)))
        #expect(abs(sent.timeIntervalSinceNow - 3_600) < 60, "the retry was not signed with the server's time")
        #expect(recorder.recorded.isEmpty)
    }
}
