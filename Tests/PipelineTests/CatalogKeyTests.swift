import Testing

@testable import Pipeline

@Suite struct CatalogKeyTests {
    /// Multi-index hashing's promise: any hash within the search's reach of another is stored under
    /// a band value the other's search probes.
    @Test func hashesWithinReachAreFoundByAProbe() {
        #expect(PerceptualBands.reach >= PerceptualBands.maxDistance)
        #expect(PerceptualBands.widths.reduce(0, +) == 64)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let hash = UInt64.random(in: .min ... .max, using: &generator)
            var other = hash
            let flips = Int.random(in: 0...PerceptualBands.reach, using: &generator)
            for bit in (0..<64).shuffled(using: &generator).prefix(flips) { other ^= 1 << UInt64(bit) }
            let stored = Set(PerceptualBands.bands(other).enumerated().map { "\($0.offset)|\($0.element)" })
            let probed = Set(PerceptualBands.probes(hash).map { "\($0.band)|\($0.value)" })
            #expect(
                !stored.isDisjoint(with: probed),
                "\(String(hash, radix: 16)) and \(String(other, radix: 16)) (\(flips) bits)")
        }
        // And the reach is tight: two bits in every band escape every probe.
        var far: UInt64 = 0
        var shift = 0
        for width in PerceptualBands.widths {
            far |= 0b11 << UInt64(shift)
            shift += width
        }
        let stored = Set(PerceptualBands.bands(far).enumerated().map { "\($0.offset)|\($0.element)" })
        #expect(stored.isDisjoint(with: Set(PerceptualBands.probes(0).map { "\($0.band)|\($0.value)" })))
        #expect(PerceptualBands.probes(0).count == PerceptualBands.count + 64)
    }

    @Test func theBandsCoverEveryBitOnce() {
        for bit in 0..<64 {
            let changed = zip(PerceptualBands.bands(0), PerceptualBands.bands(1 << UInt64(bit))).filter { $0 != $1 }
                .count
            #expect(changed == 1, "bit \(bit)")
        }
    }

    @Test func aKeyNamesItsOwnerOnlyWhereTheAPIPutIt() {
        let owner = Owner.id(subject: "alice")
        #expect(owner.hasPrefix("u-") && owner != Owner.id(subject: "bob") && owner == Owner.id(subject: "alice"))
        #expect(Owner.id(subject: "operator") != Owner.operatorId)
        let key = Owner.uploadKey(owner: owner, uploadId: "abc")
        #expect(Owner.of(key: key) == (owner, "abc"))
        for other in [
            "uploads/photo.jpg", "uploads/api/photo.jpg", "uploads/api/u-1/abc/extra", "uploads/api/someone/abc",
            "uploads/api/u-1/",
        ] {
            #expect(Owner.of(key: other) == (Owner.operatorId, nil), "\(other)")
        }
    }

    @Test func theCameraIsNamedAsPeopleNameIt() {
        func camera(_ make: String?, _ model: String?) -> String? {
            var metadata = ImageMetadata(
                width: 1, height: 1, format: "jpeg", bands: 3, hasAlpha: false, bitsPerSample: 8, colorSpace: "srgb",
                orientation: 1, pages: 1, bytes: 1, sha256: "", phash: "")
            metadata.make = make
            metadata.model = model
            return metadata.camera
        }
        #expect(camera("Canon", "Canon EOS 70D") == "Canon EOS 70D")
        #expect(camera("NIKON CORPORATION", "NIKON D750") == "NIKON D750")
        #expect(camera("Apple", "iPhone 12 ") == "Apple iPhone 12")
        #expect(camera(" SONY ", nil) == "SONY")
        #expect(camera(nil, nil) == nil && camera("  ", "") == nil)
    }
}
