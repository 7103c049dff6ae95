/// The security headers `darkroom serve` sends, the same as the distribution's response headers
/// policies in template.yaml (`PageHeadersPolicy`, `UserContentHeadersPolicy`; a test holds them
/// together): the page may talk to itself only and be framed by nobody; what is made of an upload
/// is sandboxed, so that nothing served from a user-derived path can read the page's token.
public enum SecurityHeaders {
    /// For the page, its files and the API's answers.
    public static let page: [String: String] = common.merging([
        "Content-Security-Policy": [
            "default-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'", "frame-ancestors 'none'",
            "base-uri 'none'", "form-action 'self'", "object-src 'none'",
        ].joined(separator: "; "),
        "Referrer-Policy": "strict-origin-when-cross-origin",
    ]) { _, new in new }

    /// For variants and renditions: a sandboxed origin of their own, no referrer.
    public static let userContent: [String: String] = common.merging([
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Referrer-Policy": "no-referrer",
    ]) { _, new in new }

    private static let common = [
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    ]

    /// Which set a request path gets: user content under `/files/` and `/r/`, the page's otherwise.
    public static func forPath(_ path: String) -> [String: String] {
        path.hasPrefix("/files/") || path.hasPrefix("/r/") ? userContent : page
    }
}
