public import Pipeline
public import MediaTypes

/// What a rendition is read from: the smallest stored variant that is large enough, else the
/// original (the upload's version validate checked).
public enum RenditionSource: Sendable, Equatable {
    case variant(Variant)
    case original(SourceObject)

    /// The source for `request` of the image `record` describes.
    ///
    /// A stored variant qualifies when it is the whole picture (its shape is the original's to a
    /// pixel of rounding: a crop has lost part of it), without a watermark when one is configured
    /// (its pixels are not the image's alone), in a format that keeps alpha when the image has it,
    /// and at least as large as the box the request needs from the original. Of those, the one with
    /// the fewest pixels, JPEG before the others (it shrinks on load fastest). Each variant is judged
    /// by what the record says it is, so variants an older set made qualify by the same rule.
    /// - Parameters:
    ///   - specs: the variant set (which of its variants carry the watermark).
    ///   - watermarked: whether a watermark is configured (the CLI's `--watermark`).
    public static func choose(
        for request: ResizeRequest, record: JobRecord, specs: [VariantSpec], watermarked: Bool
    ) -> RenditionSource {
        guard let job = record.job, let metadata = job.metadata else { return .original(record.source) }
        let (width, height) = (metadata.width, metadata.height)
        let needed = ResizeRequest.decodeBox(for: [request], width: width, height: height)
        let candidates = job.variants.filter { variant in
            // A variant no spec names any more may carry a watermark: only trusted without one.
            let marked = specs.first(where: { $0.name == variant.name })?.watermark ?? true
            return !(watermarked && marked) && (!metadata.hasAlpha || variant.format != "jpeg")
                && abs(variant.width * height - variant.height * width) <= max(width, height)
                && covers(variant.width, needed.width) && covers(variant.height, needed.height)
        }
        let best = candidates.min { a, b in
            (a.width * a.height, a.format == "jpeg" ? 0 : 1, a.bytes) < (
                b.width * b.height, b.format == "jpeg" ? 0 : 1, b.bytes
            )
        }
        return best.map(RenditionSource.variant) ?? .original(record.source)
    }

    /// Whether a stored side is enough for a needed one: a pixel short is rounding on a long side
    /// (the resize makes it up), but on a side of a few pixels it is a real loss.
    static func covers(_ stored: Int, _ needed: Int) -> Bool {
        stored >= needed || (needed >= 100 && stored + 1 >= needed)
    }
}
