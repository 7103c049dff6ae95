/// Why an input was refused: the `reason` of a REJECTED record, said once. A failure's cause (an
/// error type, a fault's code) is not one of these. web/app.js's sentences, the harness and the
/// end-to-end tests name these words; `VocabularyTests` holds them to this type.
public enum RejectionReason: String, Codable, Sendable, CaseIterable {
    /// Not one of the accepted formats (SVG, PDF, text, archives, unknown bytes).
    case unsupportedFormat = "unsupported_format"
    /// Larger than the byte limit.
    case tooLarge = "too_large"
    /// Width x height x pages above the pixel limit.
    case tooManyPixels = "too_many_pixels"
    /// More frames or pages than the frame limit.
    case tooManyFrames = "too_many_frames"
    /// One side more than the aspect limit times the other.
    case extremeAspectRatio = "extreme_aspect_ratio"
    /// Zero bytes.
    case empty
    /// Claims an accepted format but cannot be decoded.
    case corrupt
    /// The upload was gone before validate read it.
    case sourceMissing = "source_missing"
    /// A key that leaves its bucket (`..` segments and the like).
    case badKey = "bad_key"
    /// Another image was already made from the same upload form (an upload id yields one image).
    case uploadReused = "upload_reused"
}
