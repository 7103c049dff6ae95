extension ImageHeader {
    /// The parsed EXIF block, or nil when the input carries none.
    public var exif: ExifData? {
        image.blob("exif-data").map(ExifData.init(block:))
    }

    /// The embedded ICC profile: none, one the decode converts from, or one it cannot use. Asked
    /// of the profile when read (LittleCMS opens it), so that validate, which never needs it, pays
    /// nothing.
    public var profile: EmbeddedProfile {
        guard let data = image.blob("icc-profile-data") else { return .none }
        return ICCProfile.isUsable(data, by: image) ? .usable : .unreadable
    }

    /// The description of the embedded ICC profile, or nil when there is none.
    public var iccProfileDescription: String? {
        image.blob("icc-profile-data").flatMap(ICCProfile.description)
    }
}
