#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs blocking `work` (a network exchange, a retry's sleep, the Runtime API's `next`) on a thread
/// made for it, never on one of Swift concurrency's cooperative threads: there are only as many of
/// those as cores, and one blocked in libcurl holds up every task queued behind it. A thread per
/// call (tens of microseconds) against requests of milliseconds; Dispatch's global queue would add
/// threads for blocked work only about once a second.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        onNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Runs `work` on a detached thread made for it (a blocking server's connection); when no thread
/// can be had, here and now.
public func onNewThread(_ work: @escaping @Sendable () -> Void) {
    let job = BlockingJob(work)
    let context = Unmanaged.passRetained(job).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    defer { pthread_attr_destroy(&attributes) }
    var thread = pthread_t()
    let started = pthread_create(
        &thread, &attributes,
        { context in
            // pthread hands back the pointer it was given, never nil.
            if let context { Unmanaged<BlockingJob>.fromOpaque(context).takeRetainedValue().run() }
            return nil
        }, context)
    if started != 0 {
        // No thread to be had (the process is at its limit): do the work here rather than fail it.
        Unmanaged<BlockingJob>.fromOpaque(context).takeRetainedValue().run()
    }
}

private final class BlockingJob: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
