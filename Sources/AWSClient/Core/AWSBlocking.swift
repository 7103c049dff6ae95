import HTTPMessage

/// The one way async code calls the AWS client. Every client call is synchronous: it waits on the
/// network and sleeps between retries, so it must not run on a cooperative thread. `run` takes it
/// to a thread of its own and back; the pipeline's stores, the API's credential refresh and anything
/// else async call AWS only through here.
public enum AWSBlocking {
    /// `calls` (one or more client calls) on a thread of their own.
    /// - Throws: whatever `calls` throws (`AWSError`).
    public static func run<T: Sendable>(_ calls: @escaping @Sendable () throws -> T) async throws -> T {
        try await onOwnThread(calls)
    }
}
