import ArgumentParser
import Pipeline

extension VariantSpec {
    /// The variant set a `--variants` option names (as DARKROOM_VARIANTS), the default one when it
    /// is not given; a malformed spec is a usage error that says what is wrong.
    static func option(_ text: String?) throws -> [VariantSpec] {
        do {
            return try text.map(VariantSpec.parseList) ?? VariantSpec.defaults
        } catch let error as PipelineError {
            throw ValidationError(error.message)
        }
    }
}
