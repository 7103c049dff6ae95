#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// How every function writes its output, said once: sorted keys, slashes as they are. A function
/// hands over a value; none configures an encoder of its own.
public enum LambdaCoding {
    /// The output's JSON. - Throws: `EncodingError` (a value that cannot be JSON).
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }
}

/// An event a function takes, read from the invocation's body by the event itself: a stage's
/// five shapes, the reconciler's request with its own refusals.
public protocol LambdaEvent: Sendable {
    /// - Throws: `LambdaError` `.invalidEvent` naming what does not fit.
    init(lambdaEvent body: [UInt8]) throws
}

extension LambdaRuntime {
    /// ``main(initialize:handler:)`` with a typed handler: the event read as `Event`, the output (any
    /// `Encodable`) written by ``LambdaCoding``. A function configures neither.
    public static func main<State: Sendable, Event: LambdaEvent>(
        initialize: @Sendable (LambdaEnvironment) async throws -> State,
        event: Event.Type,
        handler: @escaping @Sendable (State, Event, LambdaContext) async throws -> any Encodable
    ) async -> Never {
        await main(initialize: initialize) { (state: State, body: [UInt8], context: LambdaContext) in
            try LambdaCoding.encode(try await handler(state, try Event(lambdaEvent: body), context))
        }
    }
}
