/// The parts of an ICC profile Darkroom records.
public enum ICCProfile {
    /// The profile's description ("sRGB IEC61966-2.1", "U.S. Web Coated (SWOP) v2", ...), read from
    /// its `desc` tag in either the v2 (`desc`, ASCII) or the v4 (`mluc`, UTF-16) form, cleaned as
    /// all metadata text is (no control characters, at most 128 characters).
    public static func description(_ profile: [UInt8]) -> String? {
        guard profile.count >= 132 else { return nil }
        func u32(_ at: Int) -> Int? {
            guard at >= 0, at + 4 <= profile.count else { return nil }
            return Int(profile[at]) << 24 | Int(profile[at + 1]) << 16 | Int(profile[at + 2]) << 8 | Int(profile[at + 3])
        }
        guard let tagCount = u32(128), tagCount < 1_000 else { return nil }
        for index in 0..<tagCount {
            let entry = 132 + index * 12
            guard let signature = u32(entry), let offset = u32(entry + 4), let size = u32(entry + 8) else { return nil }
            guard signature == 0x6465_7363, offset + size <= profile.count, size >= 12 else { continue }  // 'desc'
            let tag = Array(profile[offset..<offset + size])
            switch String(decoding: tag[0..<4], as: UTF8.self) {
            case "desc":
                let length = Int(tag[8]) << 24 | Int(tag[9]) << 16 | Int(tag[10]) << 8 | Int(tag[11])
                let text = tag[12..<min(12 + length, tag.count)].prefix(while: { $0 != 0 })
                return MetadataText.clean(String(decoding: text, as: UTF8.self))
            case "mluc":
                guard tag.count >= 28 else { return nil }
                let length = Int(tag[20]) << 24 | Int(tag[21]) << 16 | Int(tag[22]) << 8 | Int(tag[23])
                let start = Int(tag[24]) << 24 | Int(tag[25]) << 16 | Int(tag[26]) << 8 | Int(tag[27])
                guard start + length <= tag.count else { return nil }
                var units: [UInt16] = []
                var at = start
                while at + 1 < start + length {
                    units.append(UInt16(tag[at]) << 8 | UInt16(tag[at + 1]))
                    at += 2
                }
                return MetadataText.clean(String(decoding: units, as: UTF16.self))
            default:
                return nil
            }
        }
        return nil
    }
}
