internal import CVips
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// libvips keeps one error buffer for the whole process: a failure appends its words there, and
/// whoever reads next takes them, whichever image they were about (libvips has no way to tie a
/// message to a call: libvips/libvips#5010). With images decoded side by side (`darkroom process
/// --jobs`), one image's failure could be told another's words, or none.
///
/// So every public entry point of ImageCore that calls libvips runs inside `attributed`, which
/// counts the calls under way. A call that fails having run alone (none under way when it began,
/// none begun before it ended) owns everything in the buffer. A call that fails alongside others
/// runs once more with every other libvips call of the process held back, and is told the words of
/// that run. Failures are rare; the second run costs only a failing image's time.
enum VipsErrors {
    private struct State {
        var running = 0
        var started = 0
        var exclusive = false
    }

    private static let state = Mutex(State())

    /// How deep the calling thread is in `attributed`: nested calls leave the attribution (and a
    /// second run) to the outermost.
    private static let depthKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key for libvips' errors")
        return key
    }()

    static var isAttributing: Bool { pthread_getspecific(depthKey) != nil }

    private static func setAttributing(_ on: Bool) {
        pthread_setspecific(depthKey, on ? UnsafeRawPointer(bitPattern: 1) : nil)
    }

    /// Runs `work`, libvips work that may be run again (it changes nothing outside what it returns),
    /// so that an `ImageError.vips` it throws carries libvips' words for this work and no one else's.
    static func attributed<T>(_ work: () throws -> T) throws -> T {
        if isAttributing { return try work() }
        setAttributing(true)
        defer { setAttributing(false) }
        let ticket = enter()
        do {
            let value = try work()
            _ = leave(ticket, failed: false)
            return value
        } catch let error as ImageError where error.awaitsDetail {
            if let words = leave(ticket, failed: true) { throw error.with(words) }
            return try runAlone {
                vips_error_clear()
                do {
                    return try work()
                } catch let again as ImageError where again.awaitsDetail {
                    throw again.with(takeBuffer())
                }
            }
        } catch {
            _ = leave(ticket, failed: false)
            throw error
        }
    }

    private struct Ticket {
        let started: Int
        let aloneAtStart: Bool
    }

    private static func enter() -> Ticket {
        while true {
            let ticket = state.withLock { state -> Ticket? in
                guard !state.exclusive else { return nil }
                // Nothing under way: whatever the buffer holds is stale.
                if state.running == 0 { vips_error_clear() }
                state.running += 1
                state.started += 1
                return Ticket(started: state.started, aloneAtStart: state.running == 1)
            }
            if let ticket { return ticket }
            usleep(200)
        }
    }

    /// Ends a call; for a failed call that ran alone, the buffer's words (taken under the lock, so
    /// no other call can begin and add to them).
    private static func leave(_ ticket: Ticket, failed: Bool) -> String? {
        state.withLock { state in
            state.running -= 1
            guard failed, ticket.aloneAtStart, state.started == ticket.started else { return nil }
            return takeBuffer()
        }
    }

    /// Runs `work` once every other call under way has ended, holding new ones back until it is done.
    private static func runAlone<T>(_ work: () throws -> T) throws -> T {
        while !state.withLock({ state in
            guard !state.exclusive else { return false }
            state.exclusive = true
            return true
        }) {
            usleep(200)
        }
        defer { state.withLock { $0.exclusive = false } }
        while state.withLock({ $0.running }) > 0 { usleep(200) }
        return try work()
    }

    /// The buffer's text, emptied in the same step (under libvips' own lock).
    static func takeBuffer() -> String {
        guard let copy = vips_error_buffer_copy() else { return "" }
        defer { g_free(copy) }
        return String(cString: copy)
    }
}
