#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
import HTTPMessage
import Signing

/// An object's headers.
public struct S3ObjectHead: Sendable, Equatable {
    public var size: Int
    public var etag: String?
    public var versionId: String?
    public var contentType: String?
    public var cacheControl: String?
    public var serverSideEncryption: String?
    /// `x-amz-meta-*`, names without the prefix, lower-case.
    public var metadata: [String: String]

    init(_ response: HTTPResponse) {
        size = response.header("Content-Length").flatMap { Int($0) } ?? response.body.count
        etag = response.header("ETag")
        versionId = response.header("x-amz-version-id")
        contentType = response.header("Content-Type")
        cacheControl = response.header("Cache-Control")
        serverSideEncryption = response.header("x-amz-server-side-encryption")
        metadata = Dictionary(
            response.headers.filter { $0.name.lowercased().hasPrefix("x-amz-meta-") }
                .map { (String($0.name.lowercased().dropFirst(11)), $0.value) },
            uniquingKeysWith: { first, _ in first })
    }
}

/// How an object is written.
public struct S3PutOptions: Sendable {
    public var contentType: String?
    public var cacheControl: String?
    public var metadata: [String: String]
    /// `AES256` or `aws:kms`.
    public var serverSideEncryption: String?

    public init(
        contentType: String? = nil, cacheControl: String? = nil, metadata: [String: String] = [:],
        serverSideEncryption: String? = nil
    ) {
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.metadata = metadata
        self.serverSideEncryption = serverSideEncryption
    }

    var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let cacheControl { headers.append(("Cache-Control", cacheControl)) }
        if let serverSideEncryption { headers.append(("x-amz-server-side-encryption", serverSideEncryption)) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(name)", value)) }
        return headers
    }
}

/// One entry of a listing.
public struct S3ListedObject: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var etag: String?
    public var lastModified: String?
    /// STANDARD, GLACIER, ... (S3 names every object's class in a listing).
    public var storageClass: String? = nil
}

/// One version (or delete marker) of a key in a versioned bucket.
public struct S3ObjectVersion: Sendable, Equatable {
    public var key: String
    public var versionId: String
    public var isDeleteMarker: Bool
}

/// A browser upload form: POST `fields` (in this order) and then the file, as
/// `multipart/form-data`, to `url`.
public struct S3PostForm: Sendable {
    public var url: String
    public var fields: [(name: String, value: String)]
    public var expiresAt: Date
}

/// S3: objects, listings, copies, multipart uploads and presigned URLs. Virtual-hosted addressing
/// against AWS; path style against an endpoint override (a local server) or a bucket whose name
/// has dots (which virtual hosting over TLS cannot serve).
public struct S3Client: Sendable {
    public let client: AWSServiceClient
    /// Bodies of this size and more go up in parts.
    public var multipartThreshold = 16 * 1024 * 1024
    public var partSize = 8 * 1024 * 1024

    public init(client: AWSServiceClient) { self.client = client }

    /// Path and host of an object's URL.
    func address(bucket: String, key: String) -> (path: String, host: String?) {
        if client.endpoint.isCustom || bucket.contains(".") {
            return ("/\(bucket)/\(key)", nil)
        }
        return ("/\(key)", "\(bucket).\(client.endpoint.hostHeader)")
    }

    private func request(
        _ method: String, bucket: String, key: String = "", query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) -> AWSRequest {
        let address = address(bucket: bucket, key: key)
        return AWSRequest(
            method: method, path: address.path, query: query, headers: headers, body: body, host: address.host)
    }

    /// Reads an object, or part of it.
    /// - Parameters:
    ///   - versionId: that version of the object, not whatever the key holds now.
    ///   - ifMatch: only if the object's ETag is still this (`If-Match`); else `PreconditionFailed`.
    ///   - range: the bytes wanted; a range that starts past the end answers `InvalidRange` (416).
    /// - Throws: `AWSError` (`.notFound` for a missing object, `.service` with status 412 when
    ///   `ifMatch` no longer matches).
    public func getObject(
        bucket: String, key: String, versionId: String? = nil, ifMatch: String? = nil,
        range: ClosedRange<Int>? = nil, deadline: Date? = nil
    ) throws -> (head: S3ObjectHead, body: [UInt8]) {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        if let ifMatch { headers.append(("If-Match", Self.quoted(ifMatch))) }
        let response = try client.send(
            request("GET", bucket: bucket, key: key, query: Self.versionQuery(versionId), headers: headers),
            deadline: deadline)
        return (S3ObjectHead(response), response.body)
    }

    /// An object's headers (of `versionId`, when given).
    public func headObject(bucket: String, key: String, versionId: String? = nil, deadline: Date? = nil) throws
        -> S3ObjectHead
    {
        S3ObjectHead(
            try client.send(
                request("HEAD", bucket: bucket, key: key, query: Self.versionQuery(versionId)), deadline: deadline))
    }

    static func versionQuery(_ versionId: String?) -> [(name: String, value: String)] {
        versionId.map { [("versionId", $0)] } ?? []
    }

    /// ETags travel quoted in conditional headers; records may keep them bare.
    static func quoted(_ etag: String) -> String {
        etag.hasPrefix("\"") || etag.hasPrefix("W/") ? etag : "\"\(etag)\""
    }

    /// Writes an object; 16 MB and more go up as a multipart upload.
    /// - Returns: the new object's ETag.
    @discardableResult
    public func putObject(
        bucket: String, key: String, body: [UInt8], options: S3PutOptions = S3PutOptions(), deadline: Date? = nil
    ) throws -> String? {
        if body.count >= multipartThreshold {
            return try multipartUpload(bucket: bucket, key: key, body: body, options: options, deadline: deadline)
        }
        let response = try client.send(
            request("PUT", bucket: bucket, key: key, headers: options.headers, body: body), deadline: deadline)
        return response.header("ETag")
    }

    /// Copies server-side. With `replacing`, the copy gets those headers and metadata instead of
    /// the source's (`x-amz-metadata-directive: REPLACE`). `fromVersionId` copies that version of
    /// the source; `ifMatch` copies only while the source's ETag is still that one; `storageClass`
    /// writes the copy in that class (`GLACIER_IR`, ...) instead of the bucket's default.
    public func copyObject(
        fromBucket: String, fromKey: String, fromVersionId: String? = nil, ifMatch: String? = nil,
        toBucket: String, toKey: String, replacing: S3PutOptions? = nil, storageClass: String? = nil,
        deadline: Date? = nil
    ) throws {
        var source = "/\(fromBucket)/" + URIEncoding.encodePath(fromKey)
        if let fromVersionId { source += "?versionId=" + URIEncoding.encode(fromVersionId) }
        var headers = [("x-amz-copy-source", source)]
        if let ifMatch { headers.append(("x-amz-copy-source-if-match", Self.quoted(ifMatch))) }
        if let storageClass { headers.append(("x-amz-storage-class", storageClass)) }
        if let replacing {
            headers.append(("x-amz-metadata-directive", "REPLACE"))
            headers += replacing.headers
        } else {
            headers.append(("x-amz-metadata-directive", "COPY"))
        }
        let response = try client.send(
            request("PUT", bucket: toBucket, key: toKey, headers: headers), deadline: deadline)
        // A copy can fail after the 200 has started: the error is then in the body.
        if let root = XMLNode.parse(response.body), root.name == "Error" {
            throw AWSError.from(status: 500, code: root["Code"], message: root["Message"], requestId: root["RequestId"])
        }
    }

    /// Deletes an object; with `versionId`, that version for good (no delete marker is left).
    public func deleteObject(bucket: String, key: String, versionId: String? = nil, deadline: Date? = nil) throws {
        _ = try client.send(
            request("DELETE", bucket: bucket, key: key, query: Self.versionQuery(versionId)), deadline: deadline)
    }

    /// One page of ListObjectsV2.
    public func listObjects(
        bucket: String, prefix: String = "", continuationToken: String? = nil, maxKeys: Int? = nil,
        deadline: Date? = nil
    ) throws -> (objects: [S3ListedObject], nextToken: String?) {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        let response = try client.send(request("GET", bucket: bucket, query: query), deadline: deadline)
        guard let root = XMLNode.parse(response.body), root.name == "ListBucketResult" else {
            throw AWSError(.invalidResponse, message: "ListObjectsV2 answered something that is not a ListBucketResult")
        }
        let objects = root.children("Contents").map {
            S3ListedObject(
                key: $0["Key"] ?? "", size: Int($0["Size"] ?? "") ?? 0, etag: $0["ETag"],
                lastModified: $0["LastModified"], storageClass: $0["StorageClass"])
        }
        let truncated = root["IsTruncated"] == "true"
        return (objects, truncated ? root["NextContinuationToken"] : nil)
    }

    /// Every object under a prefix, page after page.
    public func listAllObjects(bucket: String, prefix: String = "", deadline: Date? = nil) throws -> [S3ListedObject] {
        var all: [S3ListedObject] = []
        var token: String?
        repeat {
            let page = try listObjects(bucket: bucket, prefix: prefix, continuationToken: token, deadline: deadline)
            all += page.objects
            token = page.nextToken
        } while token != nil
        return all
    }

    /// Every version and delete marker of every key under `prefix`, page after page.
    public func listAllObjectVersions(bucket: String, prefix: String, deadline: Date? = nil) throws -> [S3ObjectVersion]
    {
        var all: [S3ObjectVersion] = []
        var keyMarker: String?
        var versionMarker: String?
        repeat {
            var query: [(name: String, value: String)] = [("prefix", prefix), ("versions", "")]
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let versionMarker { query.append(("version-id-marker", versionMarker)) }
            let response = try client.send(request("GET", bucket: bucket, query: query), deadline: deadline)
            guard let root = XMLNode.parse(response.body), root.name == "ListVersionsResult" else {
                throw AWSError(
                    .invalidResponse, message: "ListObjectVersions answered something that is not a ListVersionsResult")
            }
            for (name, isMarker) in [("Version", false), ("DeleteMarker", true)] {
                all += root.children(name).map {
                    S3ObjectVersion(
                        key: $0["Key"] ?? "", versionId: $0["VersionId"] ?? "null", isDeleteMarker: isMarker)
                }
            }
            let truncated = root["IsTruncated"] == "true"
            keyMarker = truncated ? root["NextKeyMarker"] : nil
            versionMarker = truncated ? root["NextVersionIdMarker"] : nil
        } while keyMarker != nil
        return all
    }

    // MARK: Multipart

    func multipartUpload(bucket: String, key: String, body: [UInt8], options: S3PutOptions, deadline: Date?) throws
        -> String?
    {
        let created = try client.send(
            request("POST", bucket: bucket, key: key, query: [("uploads", "")], headers: options.headers),
            deadline: deadline)
        guard let uploadId = XMLNode.parse(created.body)?["UploadId"] else {
            throw AWSError(.invalidResponse, message: "CreateMultipartUpload answered no UploadId")
        }
        do {
            var parts: [(Int, String)] = []
            var offset = 0
            while offset < body.count {
                let number = parts.count + 1
                let chunk = Array(body[offset..<min(offset + partSize, body.count)])
                let response = try client.send(
                    request(
                        "PUT", bucket: bucket, key: key,
                        query: [("partNumber", String(number)), ("uploadId", uploadId)], body: chunk),
                    deadline: deadline)
                parts.append((number, response.header("ETag") ?? ""))
                offset += partSize
            }
            let manifest =
                "<CompleteMultipartUpload>"
                + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(Self.escape($0.1))</ETag></Part>" }
                .joined()
                + "</CompleteMultipartUpload>"
            let completed = try client.send(
                request("POST", bucket: bucket, key: key, query: [("uploadId", uploadId)], body: Array(manifest.utf8)),
                deadline: deadline)
            if let root = XMLNode.parse(completed.body), root.name == "Error" {
                throw AWSError.from(
                    status: 500, code: root["Code"], message: root["Message"], requestId: root["RequestId"])
            }
            return XMLNode.parse(completed.body)?["ETag"]
        } catch {
            // Leave no orphaned parts behind (they are billed); the bucket's lifecycle rule is the backstop.
            _ = try? client.send(request("DELETE", bucket: bucket, key: key, query: [("uploadId", uploadId)]))
            throw error
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;").replacingAll("\"", "&quot;")
    }

    // MARK: Presigning

    /// A presigned URL for GET or PUT, valid for `expires` seconds (at most seven days).
    public func presignedURL(method: String = "GET", bucket: String, key: String, expires: Int = 3_600) throws -> String
    {
        let address = address(bucket: bucket, key: key)
        let host = address.host ?? client.endpoint.hostHeader
        let signer = try client.signer()
        let request = SigV4Signer.Request(
            method: method, host: host, path: address.path, payloadHash: SigV4Signer.unsignedPayload)
        let query = signer.presignedQuery(request, date: client.now(), expires: min(max(expires, 1), 604_800))
        return "\(client.endpoint.scheme)://\(host)\(signer.encodedPath(address.path))?\(query)"
    }

    /// A presigned POST policy (browser upload) for exactly one key: its content type fixed, its
    /// size within `sizes`, `metadata` as `x-amz-meta-*` fields, valid for `expires` seconds.
    /// The policy names every field the form sends, so S3 refuses a form that changes any of them.
    public func presignedPost(
        bucket: String, key: String, contentType: String, sizes: ClosedRange<Int>,
        metadata: [(name: String, value: String)] = [], expires: Int
    ) throws -> S3PostForm {
        let signer = try client.signer()
        let now = client.now()
        let expiresAt = now.addingTimeInterval(TimeInterval(expires))
        let scope = signer.postPolicyScope(date: now)
        var fields: [(name: String, value: String)] = [("key", key), ("Content-Type", contentType)]
        fields += metadata.map { ("x-amz-meta-\($0.name)", $0.value) }
        fields += [
            ("x-amz-algorithm", "AWS4-HMAC-SHA256"), ("x-amz-credential", scope.credential),
            ("x-amz-date", scope.amzDate),
        ]
        if let token = signer.sessionToken { fields.append(("x-amz-security-token", token)) }
        let conditions: [JSONValue] =
            [.object(["bucket": .string(bucket)])]
            + fields.map { JSONValue.object([$0.name: .string($0.value)]) }
            + [.array([.string("content-length-range"), .int(Int64(sizes.lowerBound)), .int(Int64(sizes.upperBound))])]
        let expiration = expiresAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let document = JSONValue.object(["expiration": .string(expiration), "conditions": .array(conditions)])
        let policy = Data(try JSONEncoder().encode(document)).base64EncodedString()
        fields += [
            ("policy", policy), ("x-amz-signature", signer.postPolicySignature(policyBase64: policy, date: now)),
        ]
        let address = address(bucket: bucket, key: "")
        let host = address.host ?? client.endpoint.hostHeader
        return S3PostForm(
            url: "\(client.endpoint.scheme)://\(host)\(address.path)", fields: fields, expiresAt: expiresAt)
    }
}

extension String {
    func replacingAll(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
