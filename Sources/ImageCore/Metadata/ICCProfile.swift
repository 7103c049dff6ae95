internal import CVips

/// What an input's embedded ICC profile is to the decode.
public enum EmbeddedProfile: String, Sendable, Equatable {
    /// No profile: the pixels are taken as sRGB.
    case none
    /// A profile the decode converts from to sRGB.
    case usable
    /// A profile that cannot be read (cut short, garbage, or for another colour space than the
    /// pixels'): ignored, and the pixels taken as sRGB, as browsers and other decoders do. The
    /// metadata says so.
    case unreadable
}

/// The parts of an ICC profile Darkroom records.
public enum ICCProfile {
    /// Whether `profile` is one the decode can convert `image` from: its header is whole, and
    /// LittleCMS opens it and finds it fits the image's colour space, as libvips' own transform
    /// will ask. Without this, an unreadable profile fails the decode ("VipsIcc: Read from memory
    /// error") when libvips has no fallback for the colour space (a greyscale JPEG).
    static func isUsable(_ profile: [UInt8], by image: Image) -> Bool {
        // A profile's header is 128 bytes and a tag count, with 'acsp' at 36; it declares its size.
        guard profile.count >= 132, profile[36..<40].elementsEqual("acsp".utf8) else { return false }
        let declared = Int(profile[0]) << 24 | Int(profile[1]) << 16 | Int(profile[2]) << 8 | Int(profile[3])
        guard declared <= profile.count else { return false }
        guard vips_icc_present() != 0 else { return true }
        // LittleCMS reports what it cannot read into libvips' error buffer, which the next call
        // made alone clears (VipsErrors).
        return profile.withUnsafeBytes { vips_icc_is_compatible_profile(image.pointer, $0.baseAddress, $0.count) != 0 }
    }

    /// The profile's description ("sRGB IEC61966-2.1", "U.S. Web Coated (SWOP) v2", ...), read from
    /// its `desc` tag in either the v2 (`desc`, ASCII) or the v4 (`mluc`, UTF-16) form, cleaned as
    /// all metadata text is (no control characters, at most 128 characters).
    public static func description(_ profile: [UInt8]) -> String? {
        guard profile.count >= 132 else { return nil }
        func u32(_ at: Int) -> Int? {
            guard at >= 0, at + 4 <= profile.count else { return nil }
            return Int(profile[at]) << 24 | Int(profile[at + 1]) << 16 | Int(profile[at + 2]) << 8
                | Int(profile[at + 3])
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
