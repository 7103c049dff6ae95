/// The AWS "standard" retry mode: at most three attempts, exponential backoff with full jitter,
/// capped at 20 seconds.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// Seconds; attempt n (1-based) waits a random time up to `base * 2^(n-1)`.
    public var baseDelay: Double
    public var maxDelay: Double
    /// How the client waits; tests replace it to record the delays instead of sleeping.
    public var sleep: @Sendable (Double) -> Void

    public init(
        maxAttempts: Int = 3, baseDelay: Double = 1, maxDelay: Double = 20,
        sleep: @escaping @Sendable (Double) -> Void = RetryPolicy.blockingSleep
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// The wait before attempt `attempt + 1`, after `attempt` failures.
    public func delay(afterAttempt attempt: Int) -> Double {
        let ceiling = min(maxDelay, baseDelay * Double(1 << min(attempt - 1, 30)))
        return Double.random(in: 0...ceiling)
    }

    public static let blockingSleep: @Sendable (Double) -> Void = { seconds in
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 { request = remaining }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
