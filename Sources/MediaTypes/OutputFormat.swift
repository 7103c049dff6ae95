/// The formats outputs are published in: a variant's, a rendition's, an encoder's. (One type for
/// all three; the pipeline's spec language and ImageCore's encoder name the same four.)
public enum OutputFormat: String, Sendable, Codable, CaseIterable {
    case jpeg, png, webp, avif

    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .avif: "image/avif"
        }
    }

    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// Whether the format can carry an alpha band.
    public var hasAlpha: Bool { self != .jpeg }
}
