public import MediaTypes

/// One variant to make: its name, which stage makes it, its box, how it fits, its formats.
///
/// Written as `STAGE:NAME=W[xH][:OPTION]...` where STAGE is `resize` or `thumbnail`, a lone W
/// means a square box, and the options are `fit` (default) or `cover`, formats joined by `+`
/// (`jpeg+webp`; default `jpeg`), `qNN` for quality (default 82) and `watermark`.
public struct VariantSpec: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The stage that makes a variant: resize makes the large renditions, thumbnail the small ones,
    /// so the two run in parallel. (A pipeline step is a ``Stage``; its name a ``StageName``.)
    public enum Maker: String, Sendable, CaseIterable {
        case resize, thumbnail

        public var stage: StageName { self == .resize ? .resize : .thumbnail }
    }

    public var madeBy: Maker
    public var name: String
    public var width: Int
    public var height: Int
    /// `true` for cover-and-crop (attention), `false` for fit-inside.
    public var cover: Bool
    public var formats: [OutputFormat]
    public var quality: Int
    /// Whether the configured watermark (if any) is laid over this variant.
    public var watermark: Bool

    public init(
        madeBy: Maker, name: String, width: Int, height: Int, cover: Bool = false, formats: [OutputFormat] = [.jpeg],
        quality: Int = 82, watermark: Bool = false
    ) {
        self.madeBy = madeBy
        self.name = name
        self.width = width
        self.height = height
        self.cover = cover
        self.formats = formats
        self.quality = quality
        self.watermark = watermark
    }

    /// The default set (docs/cli.md, "Variants"): `large` 1024x768 in JPEG and WebP; thumbnails `small` 150,
    /// `medium` 300, `large-thumb` 600; `square` 200x200 cover-cropped.
    public static let defaults: [VariantSpec] = [
        VariantSpec(
            madeBy: .resize, name: "large", width: 1024, height: 768, formats: [.jpeg, .webp], watermark: true),
        VariantSpec(madeBy: .thumbnail, name: "small", width: 150, height: 150),
        VariantSpec(madeBy: .thumbnail, name: "medium", width: 300, height: 300),
        VariantSpec(madeBy: .thumbnail, name: "large-thumb", width: 600, height: 600),
        VariantSpec(madeBy: .thumbnail, name: "square", width: 200, height: 200, cover: true),
    ]

    /// The defaults, written in the spec language.
    public static var defaultText: String { defaults.map(\.description).joined(separator: " ") }

    public var description: String {
        var parts = ["\(madeBy.rawValue):\(name)=\(width)x\(height)", cover ? "cover" : "fit"]
        parts.append(formats.map(\.rawValue).joined(separator: "+"))
        if quality != 82 { parts.append("q\(quality)") }
        if watermark { parts.append("watermark") }
        return parts.joined(separator: ":")
    }

    /// Parses a list of specs separated by spaces, commas or semicolons.
    /// - Throws: `PipelineError` `.invalidConfiguration` naming the entry and what is wrong with it.
    public static func parseList(_ text: String) throws -> [VariantSpec] {
        let entries = text.split(whereSeparator: { " ,;\n\t".contains($0) }).map(String.init)
        guard !entries.isEmpty else { throw invalid(text, "no variants given") }
        let specs = try entries.map(parse)
        var seen = Set<String>()
        for spec in specs where !seen.insert(spec.name).inserted {
            throw invalid(text, "variant name \(spec.name) appears twice")
        }
        return specs
    }

    /// Parses one spec.
    /// - Throws: `PipelineError` `.invalidConfiguration`.
    public static func parse(_ entry: String) throws -> VariantSpec {
        let fields = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 2, let maker = Maker(rawValue: fields[0]) else {
            throw invalid(entry, "it must start with resize: or thumbnail:")
        }
        let nameAndBox = fields[1].split(separator: "=", omittingEmptySubsequences: false).map(String.init)
        guard nameAndBox.count == 2, isValidName(nameAndBox[0]) else {
            throw invalid(entry, "expected NAME=WxH, with a name of letters, digits, - and _")
        }
        let sides = nameAndBox[1].split(separator: "x", omittingEmptySubsequences: false)
        let box = sides.compactMap { Int($0) }
        guard sides.count == 1 || sides.count == 2, box.count == sides.count,
            box.allSatisfy({ (1...10_000).contains($0) })
        else { throw invalid(entry, "the box must be W or WxH, each 1 to 10000") }
        var spec = VariantSpec(madeBy: maker, name: nameAndBox[0], width: box[0], height: box.last ?? box[0])
        for option in fields.dropFirst(2) {
            switch option {
            case "fit": spec.cover = false
            case "cover": spec.cover = true
            case "watermark": spec.watermark = true
            case let q where q.hasPrefix("q"):
                guard let quality = Int(q.dropFirst()), (1...100).contains(quality) else {
                    throw invalid(entry, "quality must be q1 to q100")
                }
                spec.quality = quality
            default:
                let formats = option.split(separator: "+").map { OutputFormat(rawValue: String($0)) }
                guard !formats.isEmpty, formats.allSatisfy({ $0 != nil }) else {
                    throw invalid(entry, "unknown option \(option) (formats: jpeg, png, webp, avif)")
                }
                spec.formats = formats.compactMap { $0 }
            }
        }
        return spec
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && (("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                        || $0 == "_")
            }
    }

    private static func invalid(_ entry: String, _ why: String) -> PipelineError {
        PipelineError(.invalidConfiguration, "DARKROOM_VARIANTS: bad variant \"\(entry)\": \(why)")
    }
}
