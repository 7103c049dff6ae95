public import MediaTypes

/// The format `auto` answers with, from the browser's `Accept`.
public enum FormatNegotiation {
    /// AVIF when accepted (and allowed), then WebP, else JPEG; an image with alpha never becomes
    /// JPEG: without WebP or AVIF it is PNG.
    public static func choose(accept: String?, hasAlpha: Bool, avif: Bool) -> OutputFormat {
        let accepted = acceptedTypes(accept)
        if avif && accepted.contains("image/avif") { return .avif }
        if accepted.contains("image/webp") { return .webp }
        return hasAlpha ? .png : .jpeg
    }

    /// The media types an `Accept` header accepts (those with `q=0` refused), lowercased.
    static func acceptedTypes(_ accept: String?) -> Set<String> {
        var types = Set<String>()
        for item in (accept ?? "").split(separator: ",") {
            let parameters = item.split(separator: ";").map { $0.trimmingSpaces.lowercased() }
            guard let type = parameters.first, !type.isEmpty else { continue }
            let refused = parameters.dropFirst().contains { parameter in
                guard parameter.hasPrefix("q=") else { return false }
                return (Double(parameter.dropFirst(2)) ?? 1) <= 0
            }
            if !refused { types.insert(type) }
        }
        return types
    }

    /// What the CloudFront Function (template.yaml, `AcceptNormaliser`) reduces `Accept` to before
    /// the cache lookup: the few values that change the answer, so the cache key stays small.
    /// This is the Swift statement of the same rule; `RenditionEdgeTests` holds the two together.
    public static func normalised(_ accept: String?) -> String {
        let accepted = acceptedTypes(accept)
        switch (accepted.contains("image/avif"), accepted.contains("image/webp")) {
        case (true, true): return "image/avif,image/webp"
        case (true, false): return "image/avif"
        case (false, true): return "image/webp"
        case (false, false): return ""
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
