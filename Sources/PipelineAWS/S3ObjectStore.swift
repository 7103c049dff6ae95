public import Pipeline
public import AWSClient

/// The object store in AWS: S3, with server-side encryption on every write.
public struct S3ObjectStore: ObjectStore {
    private let s3: S3Client
    /// The storage class of copies into a bucket, by bucket (the archive's); others get the
    /// bucket's default.
    private let copyStorageClass: [String: String]

    public init(s3: S3Client, copyStorageClass: [String: String] = [:]) {
        self.s3 = s3
        self.copyStorageClass = copyStorageClass
    }

    public func head(bucket: String, key: String) async throws -> ObjectInfo {
        let head = try await awsWork { [s3] in try s3.headObject(bucket: bucket, key: key, deadline: $0) }
        return ObjectInfo(
            key: key, size: head.size, etag: head.etag?.trimmingQuotes(), versionId: head.versionId,
            contentType: head.contentType)
    }

    public func get(bucket: String, key: String, version: ObjectVersion?, maxBytes: Int?) async throws -> [UInt8] {
        // A version id pins the bytes; without one, If-Match refuses other bytes under the key.
        let ifMatch = version?.versionId == nil ? version?.etag : nil
        do {
            let body = try await awsCall { [s3] deadline in
                try s3.getObject(
                    bucket: bucket, key: key, versionId: version?.versionId, ifMatch: ifMatch,
                    range: maxBytes.map { 0...$0 }, deadline: deadline
                ).body
            }
            if let maxBytes, body.count > maxBytes { throw PipelineError.tooLarge(key, maxBytes) }
            return body
        } catch let error as AWSError where error.status == 412 {
            throw PipelineError.sourceChanged(key, "its ETag is no longer \(ifMatch ?? "?")")
        } catch let error as AWSError where error.status == 416 {
            return []  // a range from byte 0 of an empty object
        } catch let error as AWSError {
            throw PipelineError(error)
        }
    }

    public func put(bucket: String, key: String, bytes: [UInt8], options: PutOptions) async throws {
        let put = S3PutOptions(
            contentType: options.contentType, cacheControl: options.cacheControl, metadata: options.metadata,
            serverSideEncryption: "AES256")
        _ = try await awsWork { [s3] in
            try s3.putObject(bucket: bucket, key: key, body: bytes, options: put, deadline: $0)
        }
    }

    public func copy(
        fromBucket: String, fromKey: String, version: ObjectVersion?, toBucket: String, toKey: String,
        replacing: PutOptions?
    ) async throws {
        let ifMatch = version?.versionId == nil ? version?.etag : nil
        let replaced = replacing.map {
            S3PutOptions(
                contentType: $0.contentType, cacheControl: $0.cacheControl, metadata: $0.metadata,
                serverSideEncryption: "AES256")
        }
        do {
            try await awsCall { [s3] deadline in
                try s3.copyObject(
                    fromBucket: fromBucket, fromKey: fromKey, fromVersionId: version?.versionId, ifMatch: ifMatch,
                    toBucket: toBucket, toKey: toKey, replacing: replaced, storageClass: copyStorageClass[toBucket],
                    deadline: deadline)
            }
        } catch let error as AWSError where error.status == 412 {
            throw PipelineError.sourceChanged(fromKey, "its ETag is no longer \(ifMatch ?? "?")")
        } catch let error as AWSError {
            throw PipelineError(error)
        }
    }

    public func list(bucket: String, prefix: String) async throws -> [ObjectInfo] {
        try await awsWork { [s3] in try s3.listAllObjects(bucket: bucket, prefix: prefix, deadline: $0) }
            .map {
                ObjectInfo(
                    key: $0.key, size: $0.size, etag: $0.etag?.trimmingQuotes(),
                    lastModified: $0.lastModified.flatMap(Timestamp.date), storageClass: $0.storageClass)
            }
    }

    public func delete(bucket: String, key: String, versionId: String?) async throws {
        try await awsWork { [s3] in try s3.deleteObject(bucket: bucket, key: key, versionId: versionId, deadline: $0) }
    }

    @discardableResult
    public func eraseAll(bucket: String, key: String, isPrefix: Bool) async throws -> Int {
        try await awsWork { [s3] deadline in
            let versions = try s3.listAllObjectVersions(bucket: bucket, prefix: key, deadline: deadline)
                .filter { isPrefix || $0.key == key }
            for version in versions {
                try s3.deleteObject(bucket: bucket, key: version.key, versionId: version.versionId, deadline: deadline)
            }
            return versions.count
        }
    }
}

extension String {
    func trimmingQuotes() -> String {
        var text = Substring(self)
        if text.first == "\"" { text = text.dropFirst() }
        if text.last == "\"" { text = text.dropLast() }
        return String(text)
    }
}
