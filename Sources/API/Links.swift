public import AWSClient
import Signing
#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A browser upload form the API hands out.
public struct UploadForm: Sendable, Encodable {
    public var url: String
    public var fields: [String: String]
    public var expiresAt: Date

    public init(url: String, fields: [String: String], expiresAt: Date) {
        self.url = url
        self.fields = fields
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey { case url, fields }
}

/// Makes upload forms that accept exactly one object.
public protocol UploadForms: Sendable {
    func form(
        bucket: String, key: String, contentType: String, sizes: ClosedRange<Int>,
        metadata: [(name: String, value: String)],
        expires: Int
    ) throws -> UploadForm

    /// Whatever signing a form needs that may wait on the network (credentials), done off the
    /// cooperative pool before ``form(bucket:key:contentType:sizes:metadata:expires:)`` runs.
    func prepare() async throws
}

extension UploadForms {
    public func prepare() async throws {}
}

/// Where a variant is fetched from.
public struct VariantLink: Sendable {
    public var url: String
    /// When the URL stops working; nil for a URL that does not expire (the CDN's).
    public var expiresAt: Date?

    public init(url: String, expiresAt: Date?) {
        self.url = url
        self.expiresAt = expiresAt
    }
}

public protocol VariantLinks: Sendable {
    func link(bucket: String, key: String) throws -> VariantLink
    /// Whatever signing links needs that may wait on the network, done off the cooperative pool
    /// before ``link(bucket:key:)`` runs.
    func prepare() async throws
}

extension VariantLinks {
    public func prepare() async throws {}
}

/// S3 presigned POST policies (SigV4).
public struct S3UploadForms: UploadForms {
    let s3: S3Client

    public init(s3: S3Client) { self.s3 = s3 }

    public func prepare() async throws { try await s3.client.ready() }

    public func form(
        bucket: String, key: String, contentType: String, sizes: ClosedRange<Int>,
        metadata: [(name: String, value: String)],
        expires: Int
    ) throws -> UploadForm {
        let form = try s3.presignedPost(
            bucket: bucket, key: key, contentType: contentType, sizes: sizes, metadata: metadata, expires: expires)
        return UploadForm(
            url: form.url, fields: Dictionary(form.fields.map { ($0.name, $0.value) }) { a, _ in a },
            expiresAt: form.expiresAt)
    }
}

/// Presigned S3 GETs: what the API hands out when no CDN is deployed.
public struct PresignedLinks: VariantLinks {
    let s3: S3Client
    let expires: Int

    public init(s3: S3Client, expires: Int) {
        self.s3 = s3
        self.expires = expires
    }

    public func prepare() async throws { try await s3.client.ready() }

    public func link(bucket: String, key: String) throws -> VariantLink {
        let url = try s3.presignedURL(bucket: bucket, key: key, expires: expires)
        return VariantLink(url: url, expiresAt: s3.client.now().addingTimeInterval(TimeInterval(expires)))
    }
}

/// The CloudFront distribution in front of the derived bucket: variant keys are immutable, so the
/// edge keeps them a year (an erase invalidates them). With ``EdgeSigning`` every URL is signed
/// for a while and the distribution serves no other; without it, URLs are plain and do not expire.
public struct CDNLinks: VariantLinks {
    /// `https://DOMAIN` (locally, the edge double's address).
    let base: String
    let signing: EdgeSigning?

    public init(base: String, signing: EdgeSigning?) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.signing = signing
    }

    public func link(bucket: String, key: String) throws -> VariantLink {
        let url = "\(base)/\(URIEncoding.encodePath(key))"
        guard let signing else { return VariantLink(url: url, expiresAt: nil) }
        let signed = signing.sign(url)
        return VariantLink(url: signed.url, expiresAt: signed.expiresAt)
    }
}
