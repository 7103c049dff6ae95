public import Pipeline
public import ImageCore

/// Reads what an image says about itself: dimensions as displayed, format, colour, EXIF camera and
/// GPS fields, the ICC profile's name, SHA-256 and a perceptual hash. Decodes once, tiny (for the
/// hash), which is also where a truncated or damaged input is caught.
public struct MetadataStage: Stage {
    public let name = StageName.metadata
    private let objects: any ObjectStore
    private let config: PipelineConfig

    public init(objects: any ObjectStore, config: PipelineConfig) {
        self.objects = objects
        self.config = config
    }

    public func run(_ job: ImageJob) async throws -> ImageJob {
        var job = job
        let bytes = try await objects.get(job.source, maxBytes: config.maxBytes)
        // Validate hashed these very bytes (the version it pinned): hash each input once.
        let metadata = try Self.read(bytes, limits: config.imageLimits, sha256: job.sha256)
        job.metadata = metadata
        job.format = metadata.format
        job.sha256 = metadata.sha256
        return job
    }

    /// The metadata of an image's bytes (also what `darkroom inspect` prints).
    /// - Parameter sha256: the bytes' SHA-256 when it is known already.
    /// - Throws: `PipelineError` `.rejected` for bad input.
    public static func read(_ bytes: [UInt8], limits: ImageLimits, sha256: String? = nil) throws -> ImageMetadata {
        try imageWork {
            let source = ImageSource(bytes)
            let header = try ImageHeader.read(source, limits: limits)
            var metadata = ImageMetadata(
                width: header.width, height: header.height, format: header.format.rawValue, bands: header.bands,
                hasAlpha: header.hasAlpha, bitsPerSample: header.bitsPerSample, colorSpace: header.interpretation,
                orientation: header.orientation, pages: header.pages, bytes: bytes.count,
                sha256: sha256 ?? ContentHash.sha256Hex(bytes), phash: try PerceptualHash.dHash(source, header: header))
            metadata.iccProfile = header.iccProfileDescription
            if let exif = header.exif {
                metadata.make = exif.make
                metadata.model = exif.model
                metadata.lens = exif.lensModel
                metadata.software = exif.software
                metadata.takenAt = exif.takenAt
                metadata.exposureTime = exif.exposureTime
                metadata.fNumber = exif.fNumber
                metadata.iso = exif.iso
                metadata.focalLength = exif.focalLength
                metadata.gpsLatitude = exif.gpsLatitude
                metadata.gpsLongitude = exif.gpsLongitude
                metadata.gpsAltitude = exif.gpsAltitude
            }
            return metadata
        }
    }
}
