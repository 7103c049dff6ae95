#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// What Lambda says about one invocation.
public struct LambdaContext: Sendable {
    public var requestId: String
    /// When Lambda will stop the invocation.
    public var deadline: Date
    public var functionArn: String
    /// The X-Ray trace header, when tracing is on.
    public var traceId: String?
    public var logger: JSONLogger

    public init(requestId: String, deadline: Date, functionArn: String, traceId: String? = nil, logger: JSONLogger) {
        self.requestId = requestId
        self.deadline = deadline
        self.functionArn = functionArn
        self.traceId = traceId
        self.logger = logger
    }

    /// Time left before the deadline.
    public var remaining: TimeInterval { deadline.timeIntervalSinceNow }
}
