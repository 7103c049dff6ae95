#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Lambda function URL events (payload format 2.0, as CloudFront's origin request reaches the
/// function) in and out.
public enum FunctionURL {
    /// Where renditions live under a distribution: the CloudFront behaviour's path pattern `/r/*`.
    public static let prefix = "/r"

    struct Event: Decodable {
        struct Context: Decodable {
            struct HTTP: Decodable { var method: String }
            var http: HTTP
        }
        var rawPath: String
        var headers: [String: String]?
        var requestContext: Context
    }

    /// The request an event carries; the path below ``prefix`` (a request straight to the function
    /// URL, without the distribution's prefix, is read as it is).
    /// - Throws: `DecodingError` when the event is not a function URL event.
    public static func request(_ event: [UInt8]) throws -> RenderRequest {
        let decoded = try JSONDecoder().decode(Event.self, from: Data(event))
        var path = decoded.rawPath
        if path.hasPrefix(prefix + "/") { path = String(path.dropFirst(prefix.count)) }
        let accept = decoded.headers?.first { $0.key.lowercased() == "accept" }?.value
        return RenderRequest(method: decoded.requestContext.http.method.uppercased(), path: path, accept: accept)
    }

    struct Response: Encodable {
        var statusCode: Int
        var headers: [String: String]
        var body: String
        var isBase64Encoded: Bool
    }

    /// The response the function URL turns into HTTP: images base64, problem documents as text.
    public static func response(_ response: RenderResponse) -> [UInt8] {
        let isText = response.headers["Content-Type"]?.hasPrefix("application/") ?? true
        let encoded = Response(
            statusCode: response.status, headers: response.headers,
            body: isText ? String(decoding: response.body, as: UTF8.self) : Data(response.body).base64EncodedString(),
            isBase64Encoded: !isText)
        return (try? JSONEncoder().encode(encoded)).map(Array.init) ?? Array("{\"statusCode\":503}".utf8)
    }
}
