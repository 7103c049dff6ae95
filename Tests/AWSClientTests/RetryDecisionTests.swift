import Foundation
import Synchronization
import Testing

@testable import AWSClient
import Signing

/// The one retry decision (AWSServiceClient.backOff) and the classification it decides on.
@Suite struct RetryDecisionTests {
    final class Sleeps: Sendable {
        let waited = Mutex<[Double]>([])
    }

    func client(_ sleeps: Sleeps, now: Date = Date()) throws -> AWSServiceClient {
        AWSServiceClient(
            service: "dynamodb", region: "us-east-1", endpoint: try #require(AWSEndpoint.parse("http://127.0.0.1:1")),
            credentials: StaticCredentialProvider(Credentials(accessKeyId: "a", secretAccessKey: "b")),
            http: HTTPClient(),
            errorFormat: .json,
            retry: RetryPolicy(
                maxAttempts: 3, baseDelay: 1, maxDelay: 20, sleep: { s in sleeps.waited.withLock { $0.append(s) } }),
            clock: { now })
    }

    /// Throttling and a 5xx are told apart, and both are retried; a client error is not.
    @Test func throttlingAndUnavailabilityAreDifferentKindsBothRetried() {
        let throttled = AWSError.from(status: 400, code: "ThrottlingException", message: nil, requestId: nil)
        let tooMany = AWSError.from(status: 429, code: nil, message: nil, requestId: nil)
        let serverFault = AWSError.from(status: 500, code: "InternalError", message: nil, requestId: nil)
        let bare503 = AWSError.from(status: 503, code: nil, message: nil, requestId: nil)
        #expect(throttled.kind == .throttled && tooMany.kind == .throttled)
        #expect(serverFault.kind == .unavailable && bare503.kind == .unavailable)
        #expect([throttled, tooMany, serverFault, bare503].allSatisfy { $0.isRetryable })
        #expect(!AWSError.from(status: 400, code: "ValidationException", message: nil, requestId: nil).isRetryable)
    }

    @Test func clockSkewIsTheServersWordForTime() {
        #expect(AWSError.from(status: 403, code: "RequestTimeTooSkewed", message: "off", requestId: nil).isClockSkew)
        #expect(
            AWSError.from(
                status: 400, code: "InvalidSignatureException", message: "Signature expired: 2026", requestId: nil
            ).isClockSkew)
        #expect(
            !AWSError.from(status: 400, code: "InvalidSignatureException", message: "wrong key", requestId: nil)
                .isClockSkew)
    }

    /// The decision sleeps the jittered backoff through the injected sleep, stops when the attempts
    /// are spent, and never sleeps past the deadline.
    @Test func theDecisionWaitsThroughTheInjectedSleepAndKeepsToTheDeadline() throws {
        let sleeps = Sleeps()
        let now = Date()
        let aws = try client(sleeps, now: now)
        let throttled = AWSError(.throttled, code: "UnprocessedItems", message: "left")
        try aws.backOff(after: throttled, attempt: 1, maxAttempts: 5, deadline: nil)
        try aws.backOff(after: throttled, attempt: 4, maxAttempts: 5, deadline: nil)
        let waited = sleeps.waited.withLock { $0 }
        #expect(waited.count == 2 && waited[0] <= 1 && waited[1] <= 8)
        #expect(throws: AWSError.self) { try aws.backOff(after: throttled, attempt: 5, maxAttempts: 5, deadline: nil) }
        // The policy's own three attempts when the caller names none.
        #expect(throws: AWSError.self) { try aws.backOff(after: throttled, attempt: 3, deadline: nil) }
        do {
            try aws.backOff(after: throttled, attempt: 1, deadline: now)
            Issue.record("a wait past the deadline was allowed")
        } catch let error as AWSError {
            #expect(error.kind == .deadlineExceeded && error.code == "UnprocessedItems")
        }
        let denied = AWSError(.accessDenied, message: "no")
        do {
            try aws.backOff(after: denied, attempt: 1, deadline: nil)
            Issue.record("a refusal was retried")
        } catch let error as AWSError {
            #expect(error.kind == .accessDenied)
        }
        #expect(sleeps.waited.withLock { $0.count } == 2)
    }
}
