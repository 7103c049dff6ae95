import Pipeline
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `POST /v1/uploads` (a form for one upload) and `GET /v1/uploads/{id}` (where it is).
extension ImageAPI {
    struct NewUpload: Decodable {
        var filename: String
        var contentType: String
        var bytes: Int
        var sha256: String?
    }

    func createUpload(_ context: RequestContext) async throws -> APIResponse {
        let (request, owner) = (context.request, context.owner)
        let upload: NewUpload
        do {
            upload = try JSONDecoder().decode(NewUpload.self, from: Data(request.body))
        } catch let error as DecodingError {
            throw Problem(
                400, "bad_json",
                "The body must be a JSON object {filename, contentType, bytes, sha256?}: \(Self.describe(error))")
        }
        guard !upload.filename.isEmpty, upload.filename.utf8.count <= 255,
            !upload.filename.contains(where: { $0.isNewline || $0 == "\0" })
        else { throw Problem(400, "bad_filename", "filename must be 1 to 255 bytes on one line.") }
        let contentType = upload.contentType.lowercased()
        guard APIConfig.acceptedTypes.contains(contentType) else {
            throw Problem(
                415, "unsupported_type",
                "\(upload.contentType) is not an image type Darkroom accepts (\(APIConfig.acceptedTypes.sorted().joined(separator: ", ")))."
            )
        }
        guard upload.bytes > 0 else { throw Problem(400, "bad_size", "bytes must be the file's size, at least 1.") }
        guard upload.bytes <= config.maxBytes else {
            throw Problem(413, "too_large", "\(upload.bytes) bytes is over the limit of \(config.maxBytes) bytes.")
        }
        if let sha256 = upload.sha256 {
            guard sha256.utf8.count == 64, sha256.allSatisfy(\.isHexDigit) else {
                throw Problem(400, "bad_sha256", "sha256 must be 64 hex digits (the SHA-256 of the file).")
            }
            if let existing = try await catalog.completed(owner: owner, sha256: sha256.lowercased()) {
                return .json(
                    200, Duplicate(imageId: existing.imageId, status: existing.status.rawValue, duplicate: true),
                    headers: ["Location": "/v1/images/\(existing.imageId)"])
            }
        }
        let expires = clock().addingTimeInterval(TimeInterval(config.uploadExpiry))
        let uploadId = UploadID(key: config.uploadIdKey).make(owner: owner, expiresAt: expires)
        try await admit(context, uploadId: uploadId, bytes: upload.bytes, expires: expires)
        let form = try forms.form(
            bucket: config.uploadsBucket, key: Owner.uploadKey(owner: owner, uploadId: uploadId),
            contentType: contentType,
            sizes: 1...upload.bytes, metadata: [("owner", owner), ("upload-id", uploadId)], expires: config.uploadExpiry
        )
        return .json(
            201, NewUploadView(uploadId: uploadId, expiresAt: Timestamp.string(form.expiresAt), post: form),
            headers: ["Location": "/v1/uploads/\(uploadId)"])
    }

    struct Duplicate: Encodable {
        var imageId: String
        var status: String
        var duplicate: Bool
    }

    struct NewUploadView: Encodable {
        var uploadId: String
        var expiresAt: String
        var post: UploadForm
    }

    struct UploadStatus: Encodable {
        var uploadId: String
        var status: String
        var imageId: String?
    }

    func upload(_ uploadId: String, _ context: RequestContext) async throws -> APIResponse {
        let owner = context.owner
        guard let expires = UploadID(key: config.uploadIdKey).expiry(uploadId, owner: owner) else {
            throw Problem(404, "no_upload", "There is no upload \(uploadId).")
        }
        if let record = try await catalog.upload(owner: owner, uploadId: uploadId) {
            let view = UploadStatus(uploadId: uploadId, status: record.status.rawValue, imageId: record.imageId)
            return record.status.isFinal
                ? .json(303, view, headers: ["Location": "/v1/images/\(record.imageId)"]) : .json(200, view)
        }
        // No record yet: the file is on its way in, or arrived and waits for the pipeline.
        do {
            _ = try await objects.head(
                bucket: config.uploadsBucket, key: Owner.uploadKey(owner: owner, uploadId: uploadId))
            return .json(200, UploadStatus(uploadId: uploadId, status: "UPLOADED"))
        } catch let error as PipelineError where error.code == .notFound {
            guard clock() <= expires else {
                throw Problem(
                    410, "upload_expired",
                    "Upload \(uploadId) was never sent and its form has expired; ask for a new one.")
            }
            return .json(200, UploadStatus(uploadId: uploadId, status: "WAITING"))
        }
    }
}
