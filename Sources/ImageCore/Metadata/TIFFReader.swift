/// A bounds-checked reader of a TIFF structure: the one inside an EXIF block, or a TIFF file's own
/// (read in place, without a copy). `Bytes` is indexed from 0.
struct TIFFReader<Bytes: RandomAccessCollection<UInt8>> where Bytes.Index == Int {
    /// One IFD entry: its type, count and where its value lies.
    struct Entry {
        var type: Int
        var count: Int
        var valueOffset: Int
    }

    private let bytes: Bytes
    private let littleEndian: Bool
    private(set) var firstIFDOffset = 0

    init?(_ bytes: Bytes) {
        guard bytes.startIndex == 0, bytes.count >= 8 else { return nil }
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        self.bytes = bytes
        guard read16(2) == 42, let first = read32(4) else { return nil }
        firstIFDOffset = first
    }

    private func read16(_ offset: Int) -> Int? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        let a = Int(bytes[offset]), b = Int(bytes[offset + 1])
        return littleEndian ? a | b << 8 : a << 8 | b
    }

    private func read32(_ offset: Int) -> Int? {
        guard let low = read16(littleEndian ? offset : offset + 2),
            let high = read16(littleEndian ? offset + 2 : offset)
        else { return nil }
        return high << 16 | low
    }

    /// The entries of the IFD at `offset`, by tag. Out-of-bounds entries are skipped.
    func entries(atIFD offset: Int) -> [Int: Entry] {
        guard let count = read16(offset), count <= 1_000 else { return [:] }
        var result: [Int: Entry] = [:]
        for index in 0..<count {
            let at = offset + 2 + index * 12
            guard let tag = read16(at), let type = read16(at + 2), let number = read32(at + 4),
                let size = tiffTypeSizes[type]
            else { continue }
            let (total, overflow) = size.multipliedReportingOverflow(by: number)
            guard !overflow else { continue }
            let valueOffset = total <= 4 ? at + 8 : (read32(at + 8) ?? -1)
            guard valueOffset >= 0, valueOffset + total <= bytes.count else { continue }
            result[tag] = Entry(type: type, count: number, valueOffset: valueOffset)
        }
        return result
    }

    /// An ASCII value, trimmed of NULs and spaces; nil when empty. Only its first
    /// ``MetadataLimits/textFieldBytes`` are read: the cut comes before any pass over the text.
    func string(_ entry: Entry?) -> String? {
        guard let entry, entry.type == 2 || entry.type == 7 else { return nil }
        let raw = bytes[entry.valueOffset..<entry.valueOffset + min(entry.count, MetadataLimits.textFieldBytes)]
        return MetadataText.clean(String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self))
    }

    /// The first value of a BYTE, SHORT or LONG entry.
    func integer(_ entry: Entry?) -> Int? {
        guard let entry, entry.count >= 1 else { return nil }
        switch entry.type {
        case 1, 7: return Int(bytes[entry.valueOffset])
        case 3: return read16(entry.valueOffset)
        case 4, 9: return read32(entry.valueOffset)
        default: return nil
        }
    }

    /// The values of a RATIONAL or SRATIONAL entry (at most 16); a zero denominator drops the value.
    func rationals(_ entry: Entry?) -> [Double] {
        guard let entry, entry.type == 5 || entry.type == 10 else { return [] }
        return (0..<min(entry.count, 16)).compactMap { index in
            let at = entry.valueOffset + index * 8
            guard var numerator = read32(at), var denominator = read32(at + 4), denominator != 0 else { return nil }
            if entry.type == 10 {
                numerator = Int(Int32(truncatingIfNeeded: numerator))
                denominator = Int(Int32(truncatingIfNeeded: denominator))
            }
            return Double(numerator) / Double(denominator)
        }
    }
}

/// Bytes per value of each TIFF field type.
private let tiffTypeSizes = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8]
