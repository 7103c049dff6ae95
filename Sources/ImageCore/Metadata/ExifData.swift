/// The EXIF fields Darkroom records, parsed from an EXIF block (the TIFF structure after "Exif\0\0").
///
/// The parser reads only the three IFDs it needs, checks every offset against the block's bounds
/// and follows no IFD twice, so a hostile block can neither crash it nor make it loop.
public struct ExifData: Sendable, Equatable {
    public var make: String?
    public var model: String?
    public var lensModel: String?
    public var software: String?
    /// DateTimeOriginal as ISO 8601 ("2024-06-01T14:03:22", with the offset when one is recorded).
    public var takenAt: String?
    /// Seconds.
    public var exposureTime: Double?
    public var fNumber: Double?
    public var iso: Int?
    /// Millimetres.
    public var focalLength: Double?
    public var orientation: Int?
    /// Decimal degrees, negative south and west.
    public var gpsLatitude: Double?
    public var gpsLongitude: Double?
    /// Metres, negative below sea level.
    public var gpsAltitude: Double?

    public init() {}

    /// Parses an EXIF block; fields that are absent or malformed stay nil.
    public init(block: [UInt8]) {
        var bytes = block[...]
        if bytes.starts(with: Array("Exif\0\0".utf8)) { bytes = bytes.dropFirst(6) }
        guard let reader = TIFFReader(Array(bytes)) else { return }
        let ifd0 = reader.entries(atIFD: reader.firstIFDOffset)
        make = reader.string(ifd0[0x010F])
        model = reader.string(ifd0[0x0110])
        software = reader.string(ifd0[0x0131])
        orientation = reader.integer(ifd0[0x0112])
        if let offset = reader.integer(ifd0[0x8769]) {
            let exif = reader.entries(atIFD: offset)
            exposureTime = reader.rationals(exif[0x829A]).first
            fNumber = reader.rationals(exif[0x829D]).first
            iso = reader.integer(exif[0x8827])
            focalLength = reader.rationals(exif[0x920A]).first
            lensModel = reader.string(exif[0xA434])
            takenAt = Self.isoDate(
                reader.string(exif[0x9003]) ?? reader.string(ifd0[0x0132]),
                offset: reader.string(exif[0x9011]))
        } else {
            takenAt = Self.isoDate(reader.string(ifd0[0x0132]), offset: nil)
        }
        if let offset = reader.integer(ifd0[0x8825]) {
            let gps = reader.entries(atIFD: offset)
            gpsLatitude = Self.degrees(
                reader.rationals(gps[0x0002]), reference: reader.string(gps[0x0001]), negative: "S")
            gpsLongitude = Self.degrees(
                reader.rationals(gps[0x0004]), reference: reader.string(gps[0x0003]), negative: "W")
            if let altitude = reader.rationals(gps[0x0006]).first {
                gpsAltitude = reader.integer(gps[0x0005]) == 1 ? -altitude : altitude
            }
        }
    }

    private static func degrees(_ parts: [Double], reference: String?, negative: String) -> Double? {
        guard parts.count == 3, parts.allSatisfy({ $0.isFinite }) else { return nil }
        let value = parts[0] + parts[1] / 60 + parts[2] / 3600
        guard value <= 180 else { return nil }
        return reference?.uppercased() == negative ? -value : value
    }

    // "2024:06:01 14:03:22" -> "2024-06-01T14:03:22"; anything else is dropped rather than guessed.
    private static func isoDate(_ text: String?, offset: String?) -> String? {
        guard let text, text.utf8.count == 19 else { return nil }
        let chars = Array(text)
        guard chars[4] == ":", chars[7] == ":", chars[10] == " ", chars[13] == ":", chars[16] == ":" else { return nil }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        guard digits.allSatisfy({ chars[$0].isASCII && chars[$0].isNumber }), text != "0000:00:00 00:00:00" else {
            return nil
        }
        let date = String(chars[0..<4]) + "-" + String(chars[5..<7]) + "-" + String(chars[8..<10])
        var iso = date + "T" + String(chars[11..<19])
        if let offset, offset.utf8.count == 6, offset.first == "+" || offset.first == "-" { iso += offset }
        return iso
    }
}
