public import MediaTypes
/// Everything a stage needs to know that is not in the job: where things go and what is allowed.
public struct PipelineConfig: Sendable {
    /// Where variants go (`DARKROOM_DERIVED_BUCKET`).
    public var derivedBucket: String
    /// Where the archive goes (`DARKROOM_ARCHIVE_BUCKET`).
    public var archiveBucket: String
    /// What to make (`DARKROOM_VARIANTS`).
    public var variants: [VariantSpec]
    /// Largest input in bytes (`DARKROOM_MAX_BYTES`, default 50 MB).
    public var maxBytes: Int
    /// Largest width x height x pages (`DARKROOM_MAX_PIXELS`, default 100 megapixels).
    public var maxPixels: Int
    /// Most frames or pages (default 1,000).
    public var maxFrames: Int
    /// `off` or `rekognition` (`DARKROOM_MODERATION`).
    public var moderation: ModerationMode
    /// Labels below this confidence are ignored (`DARKROOM_MIN_CONFIDENCE`, default 80).
    public var minConfidence: Double
    /// How keys are laid out.
    public var layout: StorageLayout
    /// The S3 storage class the archived original is copied into (`DARKROOM_ARCHIVE_STORAGE_CLASS`;
    /// nil: the bucket's default, STANDARD). Written straight into its class, the original needs no
    /// lifecycle transition later, each of which S3 bills as a request.
    public var archiveStorageClass: String?

    /// The classes an archived original may be copied into: those read back at once (a rebuild of
    /// the variants reads the original; GLACIER and DEEP_ARCHIVE would need a restore first).
    public static let archiveStorageClasses = ["STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"]

    public enum ModerationMode: String, Sendable { case off, rekognition }

    public init(
        derivedBucket: String, archiveBucket: String, variants: [VariantSpec] = VariantSpec.defaults,
        maxBytes: Int = InputLimits.maxBytes, maxPixels: Int = InputLimits.maxPixels,
        maxFrames: Int = InputLimits.maxFrames,
        moderation: ModerationMode = .off, minConfidence: Double = 80, layout: StorageLayout = .aws
    ) {
        self.derivedBucket = derivedBucket
        self.archiveBucket = archiveBucket
        self.variants = variants
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.maxFrames = maxFrames
        self.moderation = moderation
        self.minConfidence = minConfidence
        self.layout = layout
    }

    /// Every key the configured variants of an image are published under (they are deterministic:
    /// a failed run can withdraw them without knowing which were written).
    public func variantKeys(imageId: String) -> [String] {
        layout.variantKeys(imageId: imageId, specs: variants)
    }

    /// The variants one stage makes.
    public func variants(madeBy maker: VariantSpec.Maker) -> [VariantSpec] {
        variants.filter { $0.madeBy == maker }
    }
}
