import MediaTypes
extension PipelineConfig {
    /// The configuration of a function (or of the CLI against AWS) from the `DARKROOM_*` variables (docs/functions.md).
    /// Read once at start-up.
    /// - Throws: `PipelineError` `.invalidConfiguration` naming the missing or malformed variable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> (
        config: PipelineConfig, table: String, topicArn: String
    ) {
        let settings = EnvironmentSettings(environment)
        let table = try settings.required("DARKROOM_TABLE")
        let topic = try settings.required("DARKROOM_TOPIC_ARN")
        var config = PipelineConfig(
            derivedBucket: try settings.required("DARKROOM_DERIVED_BUCKET"),
            archiveBucket: try settings.required("DARKROOM_ARCHIVE_BUCKET"),
            maxBytes: try settings.number("DARKROOM_MAX_BYTES", default: InputLimits.maxBytes),
            maxPixels: try settings.number("DARKROOM_MAX_PIXELS", default: InputLimits.maxPixels))
        if let variants = environment["DARKROOM_VARIANTS"], !variants.isEmpty {
            config.variants = try VariantSpec.parseList(variants)
        }
        if let mode = environment["DARKROOM_MODERATION"], !mode.isEmpty {
            guard let parsed = ModerationMode(rawValue: mode) else {
                throw PipelineError(
                    .invalidConfiguration, "DARKROOM_MODERATION must be off or rekognition, not \(mode)")
            }
            config.moderation = parsed
        }
        if let text = environment["DARKROOM_MIN_CONFIDENCE"], !text.isEmpty {
            guard let confidence = Double(text), (0...100).contains(confidence) else {
                throw PipelineError(.invalidConfiguration, "DARKROOM_MIN_CONFIDENCE must be 0 to 100, not \(text)")
            }
            config.minConfidence = confidence
        }
        if let storageClass = settings.optional("DARKROOM_ARCHIVE_STORAGE_CLASS") {
            guard archiveStorageClasses.contains(storageClass) else {
                throw PipelineError(
                    .invalidConfiguration,
                    "DARKROOM_ARCHIVE_STORAGE_CLASS must be one of \(archiveStorageClasses.joined(separator: ", ")), not \(storageClass)"
                )
            }
            config.archiveStorageClass = storageClass
        }
        return (config, table, topic)
    }
}

/// Reading `DARKROOM_*` variables, each failure naming the variable.
public struct EnvironmentSettings: Sendable {
    let environment: [String: String]

    public init(_ environment: [String: String]) { self.environment = environment }

    /// The value, or nil when unset or empty.
    public func optional(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    public func required(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else {
            throw PipelineError(.invalidConfiguration, "\(name) is not set")
        }
        return value
    }

    /// A whole number of at least `minimum`; `value` when unset.
    public func number(_ name: String, default value: Int, minimum: Int = 1) throws -> Int {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Int(text), number >= minimum else {
            let what = minimum == 1 ? "a positive whole number" : "a whole number of at least \(minimum)"
            throw PipelineError(.invalidConfiguration, "\(name) must be \(what), not \(text)")
        }
        return number
    }
}
