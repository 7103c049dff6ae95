public import MediaTypes

/// How a rendition fits its box.
public enum RenditionFit: String, Sendable, CaseIterable {
    /// Inside the box, keeping the shape.
    case fit
    /// Covering the box, cropped to it around the most interesting region (attention).
    case cover
}

/// The format a rendition asks for: one, or chosen from the browser's `Accept`.
public enum RenditionFormat: Sendable, Equatable, Hashable {
    case auto
    case fixed(OutputFormat)

    /// `auto`, `jpeg`, `png`, `webp`, `avif` (and `jpg`, the extension).
    public init?(_ word: String) {
        if word == "auto" {
            self = .auto
        } else if let format = OutputFormat(rawValue: word == "jpg" ? "jpeg" : word) {
            self = .fixed(format)
        } else {
            return nil
        }
    }

    public var word: String {
        switch self {
        case .auto: "auto"
        case .fixed(let format): format.rawValue
        }
    }
}

/// What the option segments of a rendition URL say, before a preset is resolved or a policy applied.
///
/// The grammar (docs/renditions.md) follows imgproxy's processing options, one option per path
/// segment, `name:argument[:argument]`:
/// - `rs:fit:W:H` or `rs:cover:W:H`: the box; 0 leaves a side free (bounded by the largest side);
/// - `q:N`: quality 1-100;
/// - `f:jpeg|png|webp|avif|auto`: the format (an extension on the image id says the same);
/// - `pr:NAME`: a named preset, whose options the others (if allowed) override;
/// - `v:TOKEN`: the stored variant set the URL was signed under (the API adds it), so that a new
///   variant set, which renders from other sources, has new URLs and new cache entries.
public struct RenditionOptions: Sendable, Equatable, Hashable {
    public var fit: RenditionFit?
    public var width: Int?
    public var height: Int?
    public var quality: Int?
    public var format: RenditionFormat?
    public var preset: String?
    /// The variant set's version (`v:`): part of the path, so of the cache key; not a render option.
    public var version: String?

    public init(
        fit: RenditionFit? = nil, width: Int? = nil, height: Int? = nil, quality: Int? = nil,
        format: RenditionFormat? = nil, preset: String? = nil, version: String? = nil
    ) {
        self.fit = fit
        self.width = width
        self.height = height
        self.quality = quality
        self.format = format
        self.preset = preset
        self.version = version
    }

    /// Options from their segments (`["rs:fit:480:0", "q:80"]`).
    /// - Throws: `RenditionError` `.badOptions` naming the segment.
    public static func parse(_ segments: [String]) throws -> RenditionOptions {
        var options = RenditionOptions()
        var seen = Set<String>()
        for segment in segments {
            let fields = segment.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard let name = fields.first, seen.insert(name).inserted else {
                throw RenditionError(.badOptions, "option \(fields.first ?? segment) is given twice")
            }
            let arguments = Array(fields.dropFirst())
            switch (name, arguments.count) {
            case ("rs", 3):
                guard let fit = RenditionFit(rawValue: arguments[0]) else {
                    throw RenditionError(.badOptions, "rs takes fit or cover, not \(arguments[0])")
                }
                options.fit = fit
                options.width = try side(arguments[1], in: segment)
                options.height = try side(arguments[2], in: segment)
            case ("q", 1):
                guard let quality = number(arguments[0]), (1...100).contains(quality) else {
                    throw RenditionError(.badOptions, "q takes a quality from 1 to 100, not \(arguments[0])")
                }
                options.quality = quality
            case ("f", 1):
                guard let format = RenditionFormat(arguments[0]), arguments[0] != "jpg" else {
                    throw RenditionError(.badOptions, "f takes jpeg, png, webp, avif or auto, not \(arguments[0])")
                }
                options.format = format
            case ("v", 1):
                guard !arguments[0].isEmpty, arguments[0].utf8.count <= 16,
                    arguments[0].utf8.allSatisfy({ (48...57).contains($0) || (97...122).contains($0) })
                else { throw RenditionError(.badOptions, "v takes a version of up to 16 letters and digits") }
                options.version = arguments[0]
            case ("pr", 1):
                guard RenditionPolicy.isValidName(arguments[0]) else {
                    throw RenditionError(.badOptions, "pr takes a preset name, not \(arguments[0])")
                }
                options.preset = arguments[0]
            default:
                throw RenditionError(
                    .badOptions, "unknown option \(segment) (rs:fit|cover:W:H, q:N, f:FORMAT, pr:NAME, v:VERSION)")
            }
        }
        return options
    }

    /// The segments that say these options, always in one order (pr, rs, q, f, v), so that one
    /// rendition has one URL and one cache entry.
    public var segments: [String] {
        var segments: [String] = []
        if let preset { segments.append("pr:\(preset)") }
        if width != nil || height != nil || fit != nil {
            segments.append("rs:\((fit ?? .fit).rawValue):\(width ?? 0):\(height ?? 0)")
        }
        if let quality { segments.append("q:\(quality)") }
        if let format { segments.append("f:\(format.word)") }
        if let version { segments.append("v:\(version)") }
        return segments
    }

    /// These options over `base` (a preset's): what is set here wins.
    public func over(_ base: RenditionOptions) -> RenditionOptions {
        RenditionOptions(
            fit: fit ?? base.fit, width: width ?? base.width, height: height ?? base.height,
            quality: quality ?? base.quality, format: format ?? base.format, preset: nil, version: version)
    }

    private static func side(_ text: String, in segment: String) throws -> Int {
        guard let value = number(text), value <= 100_000 else {
            throw RenditionError(.badOptions, "\(segment): a side is a whole number of pixels, 0 for free")
        }
        return value
    }

    /// Decimal digits only: no sign, no spaces, no leading zeros but 0 itself (one number, one spelling).
    private static func number(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 6, text.utf8.allSatisfy({ (48...57).contains($0) }),
            text == "0" || !text.hasPrefix("0")
        else { return nil }
        return Int(text)
    }
}
