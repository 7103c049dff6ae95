#if canImport(FoundationEssentials)
    internal import FoundationEssentials
#else
    internal import Foundation
#endif

/// How every function writes its output, said once: sorted keys, slashes as they are. A function
/// hands over a value; none configures an encoder of its own.
public enum LambdaCoding {
    /// The output's JSON. - Throws: `EncodingError` (a value that cannot be JSON).
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }
}
