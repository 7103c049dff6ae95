internal import CCurl
import Synchronization
import HTTPMessage

/// HTTP over libcurl. Keeps a small pool of easy handles so that each task reuses one connection
/// (keep-alive) while concurrent tasks never share a handle.
public final class HTTPClient: Sendable {
    /// Milliseconds to establish a connection.
    public let connectTimeout: Int
    /// Milliseconds for a whole exchange, unless a request says otherwise.
    public let timeout: Int
    /// The most bytes of a response body read into memory; a longer one stops the transfer
    /// (`HTTPError.tooLarge`), so no answer can exhaust memory.
    public let maxResponseBytes: Int
    private let idle = Mutex<[CurlHandleBox]>([])

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(connectTimeout: Int = 3_000, timeout: Int = 30_000, maxResponseBytes: Int = 256 << 20) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends `request` and waits for the whole response. Blocking: call it from a thread that may
    /// block (a Lambda handler, a CLI task).
    /// - Parameter timeout: milliseconds for this exchange; 0 waits for ever (the Runtime API's
    ///   `next`); nil uses the client's.
    /// - Throws: `HTTPError` for transport failures and a body past `maxResponseBytes`; an HTTP error
    ///   status is a response, not an error.
    public func send(_ request: HTTPRequest, timeout: Int? = nil) throws -> HTTPResponse {
        // libcurl (and OpenSSL under it) start on the first request, not when a client is made:
        // a Lambda function makes its clients at start-up but calls AWS only once an event comes.
        _ = Self.globalInit
        let box = try idle.withLock { $0.popLast() } ?? CurlHandleBox()
        defer { idle.withLock { $0.append(box) } }
        return try box.handle.perform(
            request, connectTimeout: connectTimeout, totalTimeout: timeout ?? self.timeout,
            maxBodyBytes: maxResponseBytes)
    }
}

// A handle is used by one request at a time: taken from the pool, used, put back.
final class CurlHandleBox: @unchecked Sendable {
    let handle: CurlHandle

    init() throws {
        guard let handle = CurlHandle() else { throw HTTPError(.invalid, "curl_easy_init failed") }
        self.handle = handle
    }
}
