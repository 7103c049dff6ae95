/// How object keys are laid out. DESIGN.md, "Storage layout".
public struct StorageLayout: Sendable, Equatable {
    /// Prefix of every variant key: `derived/` in AWS, empty locally (the CLI's `DIR/<imageId>/`).
    public var derivedPrefix: String
    /// Whether the archive prefix has the `archive/yyyy/mm/dd/` date path (AWS) or is the image's own
    /// folder (locally, beside its variants).
    public var datedArchive: Bool

    public init(derivedPrefix: String, datedArchive: Bool) {
        self.derivedPrefix = derivedPrefix
        self.datedArchive = datedArchive
    }

    /// The layout in AWS: `derived/{imageId}/{variant}.{ext}`, `archive/{yyyy}/{mm}/{dd}/{imageId}/`.
    public static let aws = StorageLayout(derivedPrefix: "derived/", datedArchive: true)
    /// The layout of the CLI's output folder: `{imageId}/{variant}.{ext}` and the archive beside them.
    public static let local = StorageLayout(derivedPrefix: "", datedArchive: false)

    public func variantKey(imageId: String, variant: String, format: VariantFormat) -> String {
        "\(derivedPrefix)\(imageId)/\(variant).\(format.fileExtension)"
    }

    /// The archive folder of a job, dated by when it was received (`receivedAt`, ISO 8601).
    public func archivePrefix(imageId: String, receivedAt: String) -> String {
        guard datedArchive else { return "\(derivedPrefix)\(imageId)/" }
        let date = receivedAt.prefix(10).split(separator: "-")
        let path = date.count == 3 ? date.joined(separator: "/") : "undated"
        return "archive/\(path)/\(imageId)/"
    }
}
