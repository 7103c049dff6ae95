internal import CCurl
import HTTPMessage

/// One libcurl easy handle, reused request after request so its connection stays alive.
/// Released with `curl_easy_cleanup` when the Swift object goes.
final class CurlHandle {
    private let handle: UnsafeMutableRawPointer
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    // What the callbacks write into, passed to them as their context pointer.
    final class Sink {
        var body: [UInt8] = []
        var headerLines: [String] = []
        /// The most body bytes kept; past it the write callback stops the transfer.
        let limit: Int
        var overflowed = false

        init(limit: Int) { self.limit = limit }
    }

    private static let writeBody: CCurl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        // Answering less than was given makes libcurl stop with CURLE_WRITE_ERROR.
        guard sink.body.count + length <= sink.limit else {
            sink.overflowed = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
        return length
    }

    private static let writeHeader: CCurl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        // A new status line (after a 100 Continue or a redirect) starts the headers afresh.
        if line.hasPrefix("HTTP/") { sink.headerLines.removeAll() }
        sink.headerLines.append(line)
        return length
    }

    // Every CURLcode libcurl gives back is checked: an option this libcurl does not support (a
    // build without TLS, say) must fail the request with libcurl's reason, never send it without.
    private func set(_ option: CURLoption, _ value: Int) throws {
        try Self.check(CCurl_easy_setopt_long(handle, option, value), "setting option \(option.rawValue)")
    }
    private func set(_ option: CURLoption, _ value: UnsafeRawPointer?) throws {
        try Self.check(CCurl_easy_setopt_pointer(handle, option, value), "setting option \(option.rawValue)")
    }

    private static func check(_ code: CURLcode, _ step: String) throws {
        guard code == CURLE_OK else {
            throw HTTPError(.invalid, "libcurl failed \(step): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// Performs one request.
    /// - Parameters:
    ///   - connectTimeout: milliseconds to establish the connection.
    ///   - totalTimeout: milliseconds for the whole exchange; 0 means none (the Runtime API's
    ///     long poll).
    ///   - maxBodyBytes: the most response body read; a longer body stops the transfer.
    /// - Throws: `HTTPError` (`.tooLarge` past `maxBodyBytes`).
    func perform(_ request: HTTPRequest, connectTimeout: Int, totalTimeout: Int, maxBodyBytes: Int) throws
        -> HTTPResponse
    {
        curl_easy_reset(handle)
        let sink = Sink(limit: maxBodyBytes)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        // No "Expect: 100-continue" round trip before a body.
        // libcurl adds a form Content-Type to any body unless told not to: only what was signed goes out.
        var removed = ["Expect:", "Accept:"]
        if !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            removed.append("Content-Type:")
        }
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + removed {
            guard let appended = curl_slist_append(headerList, line) else {
                curl_slist_free_all(headerList)
                throw HTTPError(.invalid, "libcurl could not add a header line (out of memory)")
            }
            headerList = appended
        }
        // The handle is given pointers that live only for this call (the error buffer, the sink, the
        // body, the header list), each set inside the closure that keeps it alive. Before the call
        // returns the handle forgets them all (a reset keeps the connection), and only then do the
        // list and the sink go.
        defer {
            curl_easy_reset(handle)
            curl_slist_free_all(headerList)
            withExtendedLifetime(sink) {}
        }
        errorBuffer[0] = 0

        return try request.url.withCString { url in
            try request.method.withCString { method in
                try request.body.withUnsafeBytes { body in
                    try errorBuffer.withUnsafeMutableBufferPointer { errors in
                        try set(CCurl_OPT_URL, url)
                        try set(CCurl_OPT_NOSIGNAL, 1)
                        try set(CCurl_OPT_TCP_KEEPALIVE, 1)
                        try set(CCurl_OPT_PATH_AS_IS, 1)
                        try set(CCurl_OPT_SSL_VERIFYPEER, 1)
                        try set(CCurl_OPT_SSL_VERIFYHOST, 2)
                        try set(CCurl_OPT_CONNECTTIMEOUT_MS, connectTimeout)
                        try set(CCurl_OPT_TIMEOUT_MS, totalTimeout)
                        try set(CCurl_OPT_ERRORBUFFER, errors.baseAddress)
                        try set(CCurl_OPT_HTTPHEADER, headerList)
                        try Self.check(
                            CCurl_easy_setopt_callback(handle, CCurl_OPT_WRITEFUNCTION, Self.writeBody),
                            "setting the body callback")
                        try set(CCurl_OPT_WRITEDATA, context)
                        try Self.check(
                            CCurl_easy_setopt_callback(handle, CCurl_OPT_HEADERFUNCTION, Self.writeHeader),
                            "setting the header callback")
                        try set(CCurl_OPT_HEADERDATA, context)
                        switch request.method {
                        case "GET" where request.body.isEmpty: try set(CCurl_OPT_HTTPGET, 1)
                        case "HEAD": try set(CCurl_OPT_NOBODY, 1)
                        default:
                            try set(CCurl_OPT_CUSTOMREQUEST, method)
                            if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
                                try set(CCurl_OPT_POST, 1)
                                try Self.check(
                                    CCurl_easy_setopt_off_t(
                                        handle, CCurl_OPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
                                    "setting the body size")
                                try set(CCurl_OPT_POSTFIELDS, body.baseAddress ?? UnsafeRawPointer(method))
                            }
                        }
                        let code = curl_easy_perform(handle)
                        if sink.overflowed {
                            throw HTTPError(
                                .tooLarge,
                                "the response body passed \(maxBodyBytes) bytes: \(request.method) \(request.url)")
                        }
                        guard code == CURLE_OK else {
                            let detail = errors.baseAddress.map { String(cString: $0) } ?? ""
                            let message =
                                String(cString: curl_easy_strerror(code)) + (detail.isEmpty ? "" : ": \(detail)")
                            throw HTTPError(Self.classify(code), message)
                        }
                        var status = 0
                        try Self.check(
                            CCurl_easy_getinfo_long(handle, CCurl_INFO_RESPONSE_CODE, &status),
                            "reading the response code")
                        return HTTPResponse(
                            status: status, headers: Self.parseHeaders(sink.headerLines), body: sink.body)
                    }
                }
            }
        }
    }

    private static func classify(_ code: CURLcode) -> HTTPError.Code {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT: .connect
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            .tls
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            .reset
        default: .invalid
        }
    }

    private static func parseHeaders(_ lines: [String]) -> [(name: String, value: String)] {
        lines.dropFirst().compactMap(headerField)
    }
}
