#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where a service is reached and how its requests are addressed.
public struct AWSEndpoint: Sendable, Equatable {
    public var scheme: String
    /// Host name or address, without port.
    public var host: String
    public var port: Int?
    /// Whether this is an override (`AWS_ENDPOINT_URL*`): a local server, addressed path-style.
    public var isCustom: Bool

    /// The Host header value: the port only when it is not the scheme's default.
    public var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return host }
        return "\(host):\(port)"
    }

    /// Parses `http://127.0.0.1:5000` (a path after the authority is ignored).
    public static func parse(_ url: String) -> AWSEndpoint? {
        let pieces = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard pieces.count >= 3, pieces[0].hasSuffix(":"), pieces[1].isEmpty else { return nil }
        let scheme = pieces[0].dropLast().lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let authority = pieces[2].prefix { $0 != "?" }
        let parts = authority.split(separator: ":", maxSplits: 1)
        guard let host = parts.first, !host.isEmpty else { return nil }
        let port = parts.count > 1 ? Int(parts[1]) : nil
        if parts.count > 1 && port == nil { return nil }
        return AWSEndpoint(scheme: scheme, host: String(host), port: port, isCustom: true)
    }
}

/// The environment the SDKs read, read once (a Lambda's environment does not change while it runs).
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]

    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    public subscript(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's region, else nil.
    public var region: String? {
        self["AWS_REGION"] ?? self["AWS_DEFAULT_REGION"] ?? ProfileFile.value("region", environment: self)
    }

    /// The endpoint of a service: `AWS_ENDPOINT_URL_<SERVICE ID>` (the SDKs' service id, `serviceId`
    /// when it differs from the endpoint prefix `service`, upper-cased, spaces as underscores), else
    /// `AWS_ENDPOINT_URL`, else AWS's public endpoint in the region.
    /// - Throws: `AWSError` `.invalidResponse` when an override is not a valid URL.
    public func endpoint(service: String, serviceId: String? = nil, region: String) throws -> AWSEndpoint {
        let variable = "AWS_ENDPOINT_URL_" + (serviceId ?? service).uppercased().replacingSpaces()
        if let override = self[variable] ?? self["AWS_ENDPOINT_URL"] {
            guard let endpoint = AWSEndpoint.parse(override) else {
                throw AWSError(
                    .invalidResponse,
                    message:
                        "\(self[variable] != nil ? variable : "AWS_ENDPOINT_URL") is not an http(s) URL: \(override)")
            }
            return endpoint
        }
        let host =
            region.hasPrefix("cn-")
            ? "\(service.lowercased()).\(region).amazonaws.com.cn" : "\(service.lowercased()).\(region).amazonaws.com"
        return AWSEndpoint(scheme: "https", host: host, port: nil, isCustom: false)
    }
}

extension String {
    fileprivate func replacingSpaces() -> String { String(map { $0 == " " || $0 == "-" ? "_" : $0 }) }
}
