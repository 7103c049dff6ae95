public import MediaTypes

/// What a deployment allows renditions to be: its presets, whether only they are allowed, and the
/// bounds that keep every render inside the function's time and response limits.
public struct RenditionPolicy: Sendable, Equatable {
    /// One named set of options.
    public struct Preset: Sendable, Equatable {
        public var name: String
        public var options: RenditionOptions

        public init(name: String, options: RenditionOptions) {
            self.name = name
            self.options = options
        }
    }

    /// The presets, in the order they were given.
    public var presets: [Preset]
    /// Only `pr:NAME` alone is accepted; any other option is 400.
    public var presetsOnly: Bool
    /// The largest side an output may have, in pixels; a free side (0) is bounded by it.
    public var maxSide: Int
    /// The longest path accepted, signature included.
    public var maxPathLength: Int
    /// Whether AVIF is made at all (`auto` then chooses between WebP and JPEG).
    public var avif: Bool
    /// The most pixels an AVIF output may have: past it an explicit AVIF is 400 and `auto` answers
    /// WebP, so an AV1 encode always ends well inside the function's timeout.
    public var avifMaxPixels: Int
    /// The quality of a rendition that names none.
    public var defaultQuality: Int

    public init(
        presets: [Preset] = RenditionPolicy.defaultPresets, presetsOnly: Bool = false, maxSide: Int = 2560,
        maxPathLength: Int = 512, avif: Bool = true, avifMaxPixels: Int = 2_400_000, defaultQuality: Int = 80
    ) {
        self.presets = presets
        self.presetsOnly = presetsOnly
        self.maxSide = maxSide
        self.maxPathLength = maxPathLength
        self.avif = avif
        self.avifMaxPixels = avifMaxPixels
        self.defaultQuality = defaultQuality
    }

    /// The presets a deployment starts with (docs/renditions.md): widths for a `srcset` (each as
    /// wide as named, the height free) and two crops.
    public static let defaultPresetsText =
        "w320=rs:fit:320:0 w480=rs:fit:480:0 w640=rs:fit:640:0 w960=rs:fit:960:0 w1280=rs:fit:1280:0"
        + " w1920=rs:fit:1920:0 square=rs:cover:400:400 card=rs:cover:480:320"

    public static let defaultPresets: [Preset] = (try? parsePresets(defaultPresetsText)) ?? []

    /// The preset named `name`, if any.
    public func preset(_ name: String) -> Preset? { presets.first { $0.name == name } }

    /// Presets written `NAME=OPTION/OPTION ...`, separated by spaces, commas or semicolons.
    /// - Throws: `RenditionError` `.badOptions` naming the entry.
    public static func parsePresets(_ text: String) throws -> [Preset] {
        var presets: [Preset] = []
        for entry in text.split(whereSeparator: { " ,;\n\t".contains($0) }) {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, isValidName(parts[0]) else {
                throw RenditionError(.badOptions, "preset \(entry): expected NAME=OPTIONS")
            }
            let options = try RenditionOptions.parse(parts[1].split(separator: "/").map(String.init))
            guard options.preset == nil else { throw RenditionError(.badOptions, "preset \(parts[0]) names a preset") }
            guard !presets.contains(where: { $0.name == parts[0] }) else {
                throw RenditionError(.badOptions, "preset \(parts[0]) is given twice")
            }
            presets.append(Preset(name: parts[0], options: options))
        }
        return presets
    }

    /// Letters, digits, `-` and `_`, at most 32.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 32
            && name.utf8.allSatisfy {
                (97...122).contains($0) || (65...90).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95
            }
    }

    /// What `options` (and the URL's extension) ask for under this policy: the preset resolved,
    /// the defaults filled in, the bounds checked.
    /// - Throws: `RenditionError` `.presetsOnly`, `.unknownPreset`, `.badOptions` (an extension that
    ///   says another format than `f:`), `.outOfPolicy`.
    public func resolve(_ options: RenditionOptions, extension ext: String?) throws -> RenditionSpec {
        if presetsOnly && (options.preset == nil || options.segments.filter({ !$0.hasPrefix("v:") }).count != 1) {
            throw RenditionError(.presetsOnly, "only presets are allowed here: pr:NAME and nothing else")
        }
        var resolved = options
        if let name = options.preset {
            guard let preset = preset(name) else { throw RenditionError(.unknownPreset, "there is no preset \(name)") }
            resolved = options.over(preset.options)
        }
        var format = resolved.format ?? .auto
        if let ext {
            guard let named = RenditionFormat(ext), named != .auto else {
                throw RenditionError(.badOptions, "unknown extension .\(ext) (jpg, jpeg, png, webp, avif)")
            }
            if resolved.format != nil && resolved.format != named && resolved.format != .auto {
                throw RenditionError(.badOptions, ".\(ext) and f:\(format.word) disagree")
            }
            format = named
        }
        let (width, height) = (resolved.width ?? 0, resolved.height ?? 0)
        guard width <= maxSide, height <= maxSide else {
            throw RenditionError(.outOfPolicy, "a side may be at most \(maxSide) pixels, not \(max(width, height))")
        }
        // AVIF's pixel bound needs the output's size, which needs the image: checked at render
        // (``RenditionSpec/outputFormat(accept:hasAlpha:policy:pixels:)``).
        if format == .fixed(.avif) && !avif { throw RenditionError(.outOfPolicy, "AVIF is turned off here") }
        // A crop with a free side crops nothing: it is a fit on the other side.
        var fit = resolved.fit ?? .fit
        if width == 0 || height == 0 { fit = .fit }
        return RenditionSpec(
            fit: fit, width: width == 0 ? maxSide : width, height: height == 0 ? maxSide : height,
            quality: resolved.quality ?? defaultQuality, format: format)
    }
}

/// A rendition as rendered: a box with every side set (free sides bounded by the largest side),
/// a fit, a quality, a format or `auto`.
public struct RenditionSpec: Sendable, Equatable, Hashable {
    public var fit: RenditionFit
    public var width: Int
    public var height: Int
    public var quality: Int
    public var format: RenditionFormat

    public init(fit: RenditionFit, width: Int, height: Int, quality: Int, format: RenditionFormat) {
        self.fit = fit
        self.width = width
        self.height = height
        self.quality = quality
        self.format = format
    }

    /// The format to answer with: an explicit one, else from `Accept` (``FormatNegotiation``).
    /// - Parameter pixels: the output's width x height.
    /// - Throws: `RenditionError` `.outOfPolicy` for an explicit AVIF past the policy's pixel bound.
    public func outputFormat(accept: String?, hasAlpha: Bool, policy: RenditionPolicy, pixels: Int) throws
        -> OutputFormat
    {
        switch format {
        case .fixed(.avif) where pixels > policy.avifMaxPixels:
            throw RenditionError(
                .outOfPolicy, "an AVIF may have at most \(policy.avifMaxPixels) pixels; this one would have \(pixels)")
        case .fixed(let format): return format
        case .auto:
            return FormatNegotiation.choose(
                accept: accept, hasAlpha: hasAlpha, avif: policy.avif && pixels <= policy.avifMaxPixels)
        }
    }
}

extension RenditionSpec {
    /// The resize this rendition is.
    public var resizeRequest: ResizeRequest {
        ResizeRequest(width: width, height: height, mode: fit == .cover ? .cover : .fit)
    }
}
