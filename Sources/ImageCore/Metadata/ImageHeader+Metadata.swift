extension ImageHeader {
    /// The parsed EXIF block, or nil when the input carries none.
    public var exif: ExifData? {
        image.blob("exif-data").map(ExifData.init(block:))
    }

    /// The description of the embedded ICC profile, or nil when there is none.
    public var iccProfileDescription: String? {
        image.blob("icc-profile-data").flatMap(ICCProfile.description)
    }
}
