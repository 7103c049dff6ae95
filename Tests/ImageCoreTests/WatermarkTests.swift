import ImageCore
import Testing

@Suite struct WatermarkTests {
    private func grey() throws -> Image {
        // The white quadrant, scaled up: a flat field where a mark must show.
        try Fixtures.decode("attention.png")
    }

    private func difference(_ a: Image, _ b: Image, x: Range<Int>, y: Range<Int>) throws -> Double {
        let pa = try a.bytes(), pb = try b.bytes(), bands = a.bands
        var total = 0.0
        for py in y {
            for px in x {
                let at = (py * a.width + px) * bands
                for band in 0..<bands { total += abs(Double(pa[at + band]) - Double(pb[at + band])) }
            }
        }
        return total
    }

    @Test(arguments: Watermark.Corner.allCases)
    func textMarkSitsInItsCorner(_ corner: Watermark.Corner) throws {
        let base = try grey()
        let marked = try base.watermarked(Watermark(content: .text("© Darkroom"), opacity: 0.9, corner: corner))
        #expect(marked.width == base.width && marked.height == base.height && marked.bands == base.bands)
        let w = base.width, h = base.height
        let left = corner == .topLeft || corner == .bottomLeft, top = corner == .topLeft || corner == .topRight
        let markX = left ? 0..<w / 2 : w / 2..<w, markY = top ? 0..<h / 2 : h / 2..<h
        let otherX = left ? w / 2..<w : 0..<w / 2, otherY = top ? h / 2..<h : 0..<h / 2
        #expect(try difference(base, marked, x: markX, y: markY) > 1_000, "no mark in the \(corner.rawValue) corner")
        #expect(try difference(base, marked, x: otherX, y: otherY) == 0, "the opposite corner changed")
    }

    @Test func opacityScalesTheMark() throws {
        let base = try grey()
        let faint = try base.watermarked(Watermark(content: .text("Darkroom"), opacity: 0.2))
        let strong = try base.watermarked(Watermark(content: .text("Darkroom"), opacity: 1))
        let region = (x: base.width / 2..<base.width, y: base.height / 2..<base.height)
        #expect(
            try difference(base, faint, x: region.x, y: region.y) < difference(base, strong, x: region.x, y: region.y))
    }

    @Test func imageMarkKeepsItsColours() throws {
        let base = try grey()
        let mark = try Fixtures.source("rgba.png")
        let marked = try base.watermarked(Watermark(content: .image(mark), opacity: 1, corner: .topLeft))
        #expect(try difference(base, marked, x: 0..<base.width / 2, y: 0..<base.height / 2) > 1_000)
        #expect(try difference(base, marked, x: base.width / 2..<base.width, y: base.height / 2..<base.height) == 0)
    }
}
