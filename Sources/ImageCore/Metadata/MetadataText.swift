/// Text read from an image's own metadata (EXIF strings, an ICC profile's description) made safe
/// to keep: it reaches records, logs, notifications and web pages, and the uploader wrote it.
enum MetadataText {
    /// The most characters kept of one field; camera makes, models and lenses are far shorter.
    static let maxCharacters = 128

    /// Control characters (line breaks, escapes, NUL) and the invisible marks that reorder or hide
    /// text (bidirectional overrides, zero-width characters) removed, runs of white space folded to
    /// one space, the ends trimmed, and at most `maxCharacters` kept. Nil when nothing is left.
    static func clean(_ raw: String) -> String? {
        var text = ""
        var pendingSpace = false
        for scalar in raw.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                pendingSpace = !text.isEmpty
                continue
            }
            if scalar.properties.generalCategory == .format || scalar.properties.generalCategory == .privateUse {
                continue
            }
            if pendingSpace {
                text.unicodeScalars.append(" ")
                pendingSpace = false
            }
            text.unicodeScalars.append(scalar)
        }
        guard !text.isEmpty else { return nil }
        return text.count > maxCharacters ? String(text.prefix(maxCharacters)) : text
    }
}
