import Dispatch

/// Runs blocking `work` on a dispatch thread rather than one of Swift concurrency's few cooperative
/// threads, for waits that may be long (the Runtime API's `next` blocks until an invocation comes).
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
