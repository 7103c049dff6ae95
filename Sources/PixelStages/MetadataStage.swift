public import Pipeline
public import ImageCore

/// Reads what an image says about itself: dimensions as displayed, format, colour, EXIF camera and
/// GPS fields, the ICC profile's name, SHA-256 and a perceptual hash. Decodes once, tiny (for the
/// hash), which is also where a truncated or damaged input is caught. In a process that runs the
/// variant stages too (the CLI), it makes the one decode they share instead, from the bytes it has
/// already read, and hashes from that.
public struct MetadataStage: Stage {
    public let name = StageName.metadata
    private let objects: any ObjectStore
    private let config: PipelineConfig
    private let shared: SharedDecodes?

    /// - Parameter shared: where a process running the variant stages too keeps one decode per image.
    public init(objects: any ObjectStore, config: PipelineConfig, shared: SharedDecodes? = nil) {
        self.objects = objects
        self.config = config
        self.shared = shared
    }

    public func run(_ job: ImageJob) async throws -> ImageJob {
        var job = job
        let bytes = try await objects.get(job.source, maxBytes: config.maxBytes)
        // Validate hashed these very bytes (the version it pinned): hash each input once.
        var decoded: (@Sendable (ImageSource, ImageHeader) async throws -> DecodedImage)?
        if let shared {
            let (imageId, variants, limits) = (job.imageId, config.variants, config.imageLimits)
            decoded = { source, header in
                try await shared.decoded(imageId) {
                    try imageWork { try VariantStage.decode(source, header: header, for: variants, limits: limits) }
                }
            }
        }
        let metadata = try await Self.read(bytes, limits: config.imageLimits, sha256: job.sha256, decoded: decoded)
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
            return describe(bytes, header, phash: try PerceptualHash.dHash(source, header: header), sha256: sha256)
        }
    }

    /// The same, with the perceptual hash taken from a decode that `decoded` makes (or shares).
    static func read(
        _ bytes: [UInt8], limits: ImageLimits, sha256: String?,
        decoded: (@Sendable (ImageSource, ImageHeader) async throws -> DecodedImage)?
    ) async throws -> ImageMetadata {
        guard let decoded else { return try read(bytes, limits: limits, sha256: sha256) }
        let source = ImageSource(bytes)
        let header = try imageWork { try ImageHeader.read(source, limits: limits) }
        let image = try await decoded(source, header)
        return describe(
            bytes, header, phash: try imageWork { try PerceptualHash.dHash(of: image.image) }, sha256: sha256)
    }

    private static func describe(_ bytes: [UInt8], _ header: ImageHeader, phash: String, sha256: String?)
        -> ImageMetadata
    {
        var metadata = ImageMetadata(
            width: header.width, height: header.height, format: header.format.rawValue, bands: header.bands,
            hasAlpha: header.hasAlpha, bitsPerSample: header.bitsPerSample, colorSpace: header.interpretation,
            orientation: header.orientation, pages: header.pages, bytes: bytes.count,
            sha256: sha256 ?? ContentHash.sha256Hex(bytes), phash: phash)
        metadata.iccProfile = header.iccProfileDescription
        let notes = header.metadataNotes
        if !notes.isEmpty { metadata.notes = notes }
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
