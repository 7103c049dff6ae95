/// What a rederive run asks of the variant stages for one image (docs/deploying.md, "Rederive"):
/// render `variants` from `original`, to replace the set the record listed when it was planned.
/// The plan writes it into the job; the resize and thumbnail functions render by it instead of
/// their configured set; the commit writes the new list over the record only if the record is
/// still as it was planned.
public struct RederiveOrder: Codable, Sendable, Equatable {
    /// The variant set to render, in the spec language (``VariantSpec``).
    public var variants: String
    /// What to read: the archived original (an upload under `uploads/` expires), else the upload.
    public var original: SourceObject
    /// The record's `updatedAt` when it was planned: the commit writes only over that.
    public var planned: String
    /// The keys the record listed when it was planned: removed once the record lists the new set.
    public var replaces: [String]

    public init(variants: String, original: SourceObject, planned: String, replaces: [String]) {
        self.variants = variants
        self.original = original
        self.planned = planned
        self.replaces = replaces
    }
}

/// How one image of a rederive run ended: what a child workflow reports for each of its images.
public struct RederiveOutcome: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The record now lists the new set; the old set's objects are gone.
        case rederived
        /// Nothing to do: already on the new set, no longer COMPLETED, or erased.
        case skipped
        /// It failed; the record still lists the old set, whose objects are all there.
        case failed
    }

    public var imageId: String
    public var outcome: Kind
    /// Why it was skipped or failed.
    public var why: String?
    /// For a failure: the error type its step ended with.
    public var error: String?
    /// Variants the record lists now (rederived).
    public var variants: Int?
    /// Objects of the old set removed (rederived).
    public var removed: Int?

    public init(
        imageId: String, outcome: Kind, why: String? = nil, error: String? = nil, variants: Int? = nil,
        removed: Int? = nil
    ) {
        self.imageId = imageId
        self.outcome = outcome
        self.why = why
        self.error = error
        self.variants = variants
        self.removed = removed
    }
}
