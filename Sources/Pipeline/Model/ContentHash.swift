import Signing

/// Hashes of content, for the stages above this module (which know no AWSClient).
public enum ContentHash {
    /// SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func sha256Hex(_ bytes: [UInt8]) -> String { Digest.sha256Hex(bytes) }
}
