extension ImageHeader {
    /// The parsed EXIF block, or nil when the input carries none or one over
    /// ``MetadataLimits/exifBlockBytes`` (which ``metadataNotes`` then names).
    public var exif: ExifData? {
        blob("exif-data", within: MetadataLimits.exifBlockBytes).map(ExifData.init(block:))
    }

    /// The embedded ICC profile: none, one the decode converts from, or one it cannot use (a
    /// profile over ``MetadataLimits/iccProfileBytes`` is not even opened). Asked of the profile
    /// when read (LittleCMS opens it), so that validate, which never needs it, pays nothing.
    public var profile: EmbeddedProfile {
        guard image.blobLength("icc-profile-data") != nil else { return .none }
        guard let data = blob("icc-profile-data", within: MetadataLimits.iccProfileBytes) else { return .unreadable }
        return ICCProfile.isUsable(data, by: image) ? .usable : .unreadable
    }

    /// The description of the embedded ICC profile, or nil when there is none (or it is ignored).
    public var iccProfileDescription: String? {
        blob("icc-profile-data", within: MetadataLimits.iccProfileBytes).flatMap(ICCProfile.description)
    }

    /// What was ignored of the input's metadata, one note each ("code: what happened"), for the
    /// record: an oversized EXIF block, an oversized or unreadable ICC profile.
    public var metadataNotes: [String] {
        var notes: [String] = []
        if let length = image.blobLength("exif-data"), length > MetadataLimits.exifBlockBytes {
            notes.append(
                "exif_ignored: the EXIF block is \(length) bytes, over the \(MetadataLimits.exifBlockBytes) read")
        }
        if let length = image.blobLength("icc-profile-data"), length > MetadataLimits.iccProfileBytes {
            notes.append(
                "icc_profile_ignored: the embedded ICC profile is \(length) bytes, over the "
                    + "\(MetadataLimits.iccProfileBytes) read; the pixels were taken as sRGB")
        } else if profile == .unreadable {
            notes.append("icc_profile_ignored: the embedded ICC profile cannot be read; the pixels were taken as sRGB")
        }
        return notes
    }

    /// A blob field's bytes, copied only when it is at most `limit` bytes; nil when absent or larger.
    private func blob(_ field: String, within limit: Int) -> [UInt8]? {
        guard let length = image.blobLength(field), length <= limit else { return nil }
        return image.blob(field)
    }
}
