import Signing

/// What an archived original says about itself as S3 user metadata (`x-amz-meta-*`), set by the
/// archive's copy in the same request: who and what it is, where it came from, and the metadata
/// read from it. Values are percent-encoded (S3 metadata is ASCII), and the whole stays within the
/// 2 KB S3 allows: fields are added in the order below while they fit; what does not fit (long
/// camera strings, at most) is still in the original's own EXIF and in the record.
enum ArchiveMetadata {
    /// S3's limit on user metadata: the UTF-8 bytes of every name and value.
    static let limit = 2_048

    static func of(_ job: ImageJob) -> [String: String] {
        let metadata = job.metadata
        var fields: [(String, String?)] = [
            ("image-id", job.imageId), ("sha256", job.sha256 ?? metadata?.sha256), ("received-at", job.receivedAt),
            ("source-bucket", job.source.bucket), ("source-key", job.source.key),
            ("source-version", job.source.versionId),
            ("format", job.format), ("moderation", job.moderation?.status.rawValue),
        ]
        if let metadata {
            fields += [
                ("width", String(metadata.width)), ("height", String(metadata.height)),
                ("orientation", String(metadata.orientation)),
                ("phash", metadata.phash), ("taken-at", metadata.takenAt), ("iso", metadata.iso.map(String.init)),
                ("f-number", metadata.fNumber.map { String($0) }),
                ("exposure-time", metadata.exposureTime.map { String($0) }),
                ("focal-length", metadata.focalLength.map { String($0) }),
                ("gps-latitude", metadata.gpsLatitude.map { String($0) }),
                ("gps-longitude", metadata.gpsLongitude.map { String($0) }),
                ("gps-altitude", metadata.gpsAltitude.map { String($0) }),
                ("make", metadata.make), ("model", metadata.model), ("lens", metadata.lens),
                ("software", metadata.software),
            ]
        }
        var headers: [String: String] = [:]
        var used = 0
        for case let (name, value?) in fields {
            let encoded = URIEncoding.encode(value)
            guard used + name.utf8.count + encoded.utf8.count <= limit else { continue }
            headers[name] = encoded
            used += name.utf8.count + encoded.utf8.count
        }
        return headers
    }
}
