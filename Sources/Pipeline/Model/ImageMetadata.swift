/// What the metadata stage records about an image. Encoded with snake_case keys, every key present
/// (null when unknown), so consumers of `metadata.json` see one fixed shape.
public struct ImageMetadata: Codable, Sendable, Equatable {
    /// Width and height as displayed, after EXIF orientation.
    public var width: Int
    public var height: Int
    public var format: String
    public var bands: Int
    public var hasAlpha: Bool
    public var bitsPerSample: Int
    public var colorSpace: String
    public var orientation: Int
    public var pages: Int
    public var animated: Bool
    public var iccProfile: String?
    public var make: String?
    public var model: String?
    public var lens: String?
    public var software: String?
    public var takenAt: String?
    public var exposureTime: Double?
    public var fNumber: Double?
    public var iso: Int?
    public var focalLength: Double?
    public var gpsLatitude: Double?
    public var gpsLongitude: Double?
    public var gpsAltitude: Double?
    public var bytes: Int
    public var sha256: String
    /// 64-bit difference hash, 16 hex digits.
    public var phash: String
    /// What Darkroom set aside in reading the image, each `code: words`
    /// (`icc_profile_ignored: ...`); nil when nothing was.
    public var notes: [String]?

    public init(
        width: Int, height: Int, format: String, bands: Int, hasAlpha: Bool, bitsPerSample: Int, colorSpace: String,
        orientation: Int, pages: Int, bytes: Int, sha256: String, phash: String
    ) {
        self.width = width
        self.height = height
        self.format = format
        self.bands = bands
        self.hasAlpha = hasAlpha
        self.bitsPerSample = bitsPerSample
        self.colorSpace = colorSpace
        self.orientation = orientation
        self.pages = pages
        self.animated = pages > 1
        self.bytes = bytes
        self.sha256 = sha256
        self.phash = phash
    }

    enum CodingKeys: String, CodingKey {
        case width, height, format, bands, orientation, pages, animated, make, model, lens, software, iso, bytes
        case sha256, phash, notes
        case hasAlpha = "has_alpha", bitsPerSample = "bits_per_sample", colorSpace = "color_space"
        case iccProfile = "icc_profile", takenAt = "taken_at", exposureTime = "exposure_time"
        case fNumber = "f_number", focalLength = "focal_length", gpsLatitude = "gps_latitude"
        case gpsLongitude = "gps_longitude", gpsAltitude = "gps_altitude"
    }

    // Written by hand only so that absent values are written as null instead of left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(format, forKey: .format)
        try c.encode(bands, forKey: .bands)
        try c.encode(hasAlpha, forKey: .hasAlpha)
        try c.encode(bitsPerSample, forKey: .bitsPerSample)
        try c.encode(colorSpace, forKey: .colorSpace)
        try c.encode(orientation, forKey: .orientation)
        try c.encode(pages, forKey: .pages)
        try c.encode(animated, forKey: .animated)
        try c.encode(iccProfile, forKey: .iccProfile)
        try c.encode(make, forKey: .make)
        try c.encode(model, forKey: .model)
        try c.encode(lens, forKey: .lens)
        try c.encode(software, forKey: .software)
        try c.encode(takenAt, forKey: .takenAt)
        try c.encode(exposureTime, forKey: .exposureTime)
        try c.encode(fNumber, forKey: .fNumber)
        try c.encode(iso, forKey: .iso)
        try c.encode(focalLength, forKey: .focalLength)
        try c.encode(gpsLatitude, forKey: .gpsLatitude)
        try c.encode(gpsLongitude, forKey: .gpsLongitude)
        try c.encode(gpsAltitude, forKey: .gpsAltitude)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(phash, forKey: .phash)
        try c.encode(notes, forKey: .notes)
    }
}
