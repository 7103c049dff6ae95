public import MediaTypes
/// How object keys are laid out (docs/deploying.md, "What each resource is for").
public struct StorageLayout: Sendable, Equatable {
    /// Prefix of every variant key: `derived/` in AWS, empty locally (the CLI's `DIR/<imageId>/`).
    public var derivedPrefix: String
    /// Whether the archive prefix has the `archive/yyyy/mm/dd/` date path (AWS) or is the image's own
    /// folder (locally, beside its variants).
    public var datedArchive: Bool
    /// Where the original of a REJECTED or QUARANTINED upload is set aside, in the uploads bucket
    /// (`quarantine/` in AWS, where only operators read and a lifecycle rule expires it); nil
    /// where originals stay put (the CLI never moves a user's own files).
    public var quarantinePrefix: String?
    /// Whether a variant's key names the spec it was made by (AWS): variants are cached as
    /// immutable, so a changed spec must publish under a new key, never rewrite the old one.
    public var versionedVariants: Bool
    /// Whether the archived original carries its metadata as its own object metadata (AWS: the copy
    /// sets it, one request) instead of a `metadata.json` beside it (the CLI's folder: a file a
    /// person opens; in AWS it was one more PUT per image, $5 per million).
    public var metadataOnTheOriginal: Bool

    public init(
        derivedPrefix: String, datedArchive: Bool, quarantinePrefix: String? = nil, versionedVariants: Bool = false,
        metadataOnTheOriginal: Bool = false
    ) {
        self.derivedPrefix = derivedPrefix
        self.datedArchive = datedArchive
        self.quarantinePrefix = quarantinePrefix
        self.versionedVariants = versionedVariants
        self.metadataOnTheOriginal = metadataOnTheOriginal
    }

    /// The layout in AWS: `derived/{imageId}/{variant}.{spec}.{ext}` (`spec`: 8 hex digits of the
    /// SHA-256 of the variant's spec), `archive/{yyyy}/{mm}/{dd}/{imageId}/original.{ext}` with its
    /// metadata on it, `quarantine/{imageId}/original.{ext}` in the uploads bucket.
    public static let aws = StorageLayout(
        derivedPrefix: "derived/", datedArchive: true, quarantinePrefix: "quarantine/", versionedVariants: true,
        metadataOnTheOriginal: true)
    /// The layout of the CLI's output folder: `{imageId}/{variant}.{ext}` and the archive beside them.
    public static let local = StorageLayout(derivedPrefix: "", datedArchive: false)

    /// The folder of an image's set-aside original; nil when this layout sets nothing aside.
    public func quarantineFolder(imageId: String) -> String? {
        quarantinePrefix.map { "\($0)\(imageId)/" }
    }

    /// Where a set-aside original goes; nil when this layout sets nothing aside.
    public func quarantineKey(imageId: String, format: String?) -> String? {
        quarantineFolder(imageId: imageId).map { "\($0)original.\(Self.fileExtension(format))" }
    }

    /// The file extension of an original in a detected format (`bin` when none was detected).
    public static func fileExtension(_ format: String?) -> String {
        format.flatMap(ImageFormat.init(rawValue:))?.fileExtension ?? "bin"
    }

    /// What the renderer makes of a spec, as a number: raised by every fix that changes the
    /// pixels or the size a spec gives (2: variants are the size their spec names, 2b144dd; the
    /// undersized thumbnails before it). It is part of a variant's key, so a fixed renderer
    /// publishes under new keys, and `darkroom rederive` finds the images made before the fix
    /// not on the set and renders them again.
    public static let renderRevision = 2

    /// Where a variant of an image in one format is published.
    public func variantKey(imageId: String, spec: VariantSpec, format: OutputFormat) -> String {
        guard versionedVariants else { return "\(derivedPrefix)\(imageId)/\(spec.name).\(format.fileExtension)" }
        let version = ContentHash.sha256Hex(Array("\(spec.description) r\(Self.renderRevision)".utf8)).prefix(8)
        return "\(derivedPrefix)\(imageId)/\(spec.name).\(version).\(format.fileExtension)"
    }

    /// Every key `specs` publish an image under, one per spec and format, in order.
    public func variantKeys(imageId: String, specs: [VariantSpec]) -> [String] {
        specs.flatMap { spec in spec.formats.map { variantKey(imageId: imageId, spec: spec, format: $0) } }
    }

    /// The archive folder of a job, dated by when it was received (`receivedAt`, ISO 8601).
    public func archivePrefix(imageId: String, receivedAt: String) -> String {
        guard datedArchive else { return "\(derivedPrefix)\(imageId)/" }
        let date = receivedAt.prefix(10).split(separator: "-")
        let path = date.count == 3 ? date.joined(separator: "/") : "undated"
        return "archive/\(path)/\(imageId)/"
    }
}
