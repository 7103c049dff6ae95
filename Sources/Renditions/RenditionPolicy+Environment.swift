import Pipeline

extension RenditionPolicy {
    /// The policy from the `DARKROOM_RENDITION_*` variables (docs/renditions.md), the same for the
    /// render function, which enforces it, and the API, which signs under it. Read once at start-up.
    /// - Throws: `PipelineError` `.invalidConfiguration` naming the variable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> RenditionPolicy {
        let settings = EnvironmentSettings(environment)
        var policy = RenditionPolicy()
        if let text = settings.optional("DARKROOM_RENDITION_PRESETS") {
            do {
                policy.presets = try parsePresets(text)
            } catch let error as RenditionError {
                throw PipelineError(.invalidConfiguration, "DARKROOM_RENDITION_PRESETS: \(error.message)")
            }
        }
        policy.presetsOnly = try flag(settings, "DARKROOM_RENDITION_PRESETS_ONLY", default: false)
        policy.avif = try flag(settings, "DARKROOM_RENDITION_AVIF", default: true)
        policy.maxSide = try settings.number("DARKROOM_RENDITION_MAX_SIDE", default: policy.maxSide)
        policy.avifMaxPixels = try settings.number("DARKROOM_RENDITION_AVIF_MAX_PIXELS", default: policy.avifMaxPixels)
        policy.maxPathLength = try settings.number("DARKROOM_RENDITION_MAX_PATH", default: policy.maxPathLength)
        policy.defaultQuality = try settings.number("DARKROOM_RENDITION_QUALITY", default: policy.defaultQuality)
        guard policy.defaultQuality <= 100 else {
            throw PipelineError(.invalidConfiguration, "DARKROOM_RENDITION_QUALITY must be 1 to 100")
        }
        for preset in policy.presets {
            guard (preset.options.width ?? 0) <= policy.maxSide, (preset.options.height ?? 0) <= policy.maxSide else {
                throw PipelineError(
                    .invalidConfiguration,
                    "DARKROOM_RENDITION_PRESETS: preset \(preset.name) is larger than DARKROOM_RENDITION_MAX_SIDE")
            }
        }
        return policy
    }

    private static func flag(_ settings: EnvironmentSettings, _ name: String, default value: Bool) throws -> Bool {
        switch settings.optional(name) {
        case nil: return value
        case "on", "true": return true
        case "off", "false": return false
        case let other?: throw PipelineError(.invalidConfiguration, "\(name) must be on or off, not \(other)")
        }
    }
}
