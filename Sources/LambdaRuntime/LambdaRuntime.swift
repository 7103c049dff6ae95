#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The Runtime API loop: next, handle, respond, again.
public enum LambdaRuntime {
    /// Lambda's limit for a synchronous response.
    public static let maxResponseBytes = 6 * 1024 * 1024

    public typealias Handler = @Sendable ([UInt8], LambdaContext) async throws -> [UInt8]

    /// Runs the loop until the Runtime API fails (a lost connection, a 500): then Lambda restarts
    /// the process. A handler's error is reported and the loop goes on; a response over 6 MB is
    /// reported as an error.
    /// - Returns: the Runtime API failure that ended the loop.
    public static func run<Client: RuntimeAPIClient>(client: Client, logLevel: LogLevel, handler: Handler) async
        -> LambdaError
    {
        while true {
            let invocation: Invocation
            let responder: Client.Responder
            do {
                (invocation, responder) = try await client.next()
            } catch {
                return error as? LambdaError ?? LambdaError(.runtimeAPI, String(describing: error))
            }
            // The X-Ray SDKs read the trace header from here; it must not outlive its invocation.
            if let trace = invocation.traceId {
                setenv("_X_AMZN_TRACE_ID", trace, 1)
            } else {
                unsetenv("_X_AMZN_TRACE_ID")
            }
            let logger = JSONLogger(level: logLevel, requestId: invocation.requestId)
            let context = LambdaContext(
                requestId: invocation.requestId, deadline: invocation.deadline, functionArn: invocation.functionArn,
                traceId: invocation.traceId, logger: logger)
            do {
                let response = try await handler(invocation.body, context)
                if response.count > maxResponseBytes {
                    let error = LambdaError(
                        .responseTooLarge,
                        "the response has \(response.count) bytes, over Lambda's limit of \(maxResponseBytes)")
                    logger.error("invocation failed", ["errorType": error.errorType, "error": error.message])
                    try await responder.fail(ErrorReport(error))
                } else {
                    try await responder.respond(response)
                }
            } catch let error as LambdaError where error.code == .runtimeAPI {
                return error
            } catch {
                let report = ErrorReport(error)
                logger.error("invocation failed", ["errorType": report.errorType, "error": report.errorMessage])
                do {
                    try await responder.fail(report)
                } catch {
                    return error as? LambdaError ?? LambdaError(.runtimeAPI, String(describing: error))
                }
            }
        }
    }

    /// The whole life of a function process: read the environment, run `initialize` (whose failure
    /// goes to `/runtime/init/error`, then the process exits non-zero), then the loop. Never returns.
    public static func main<State: Sendable>(
        initialize: @Sendable (LambdaEnvironment) async throws -> State,
        handler: @escaping @Sendable (State, [UInt8], LambdaContext) async throws -> [UInt8]
    ) async -> Never {
        let environment: LambdaEnvironment
        do {
            environment = try LambdaEnvironment()
        } catch {
            JSONLogger(level: .info).error(String(describing: error))
            exit(2)
        }
        let client = HTTPRuntimeAPIClient(runtimeAPI: environment.runtimeAPI)
        let logger = JSONLogger(level: environment.logLevel)
        let state: State
        do {
            state = try await initialize(environment)
        } catch {
            let report = ErrorReport(error)
            logger.error("initialization failed", ["errorType": report.errorType, "error": report.errorMessage])
            try? await client.initializationFailed(report)
            exit(1)
        }
        let ended = await run(client: client, logLevel: environment.logLevel) { body, context in
            try await handler(state, body, context)
        }
        logger.error("the Runtime API loop ended", ["error": ended.message])
        exit(1)
    }
}
