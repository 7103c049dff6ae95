/// A mark laid over published outputs.
public struct Watermark: Sendable {
    /// What the mark shows.
    public enum Content: Sendable {
        /// White text, sized to the image.
        case text(String)
        /// An image (its alpha kept), scaled to a quarter of the output's width.
        case image(ImageSource)
    }

    /// Where the mark sits.
    public enum Corner: String, Sendable, CaseIterable {
        case topLeft = "top-left", topRight = "top-right", bottomLeft = "bottom-left", bottomRight = "bottom-right"
    }

    public var content: Content
    /// 0 (invisible) to 1 (opaque).
    public var opacity: Double
    public var corner: Corner

    public init(content: Content, opacity: Double = 0.5, corner: Corner = .bottomRight) {
        self.content = content
        self.opacity = min(max(opacity, 0), 1)
        self.corner = corner
    }
}

extension Image {
    /// This image with `watermark` composited in its corner, with a margin of 2% of the shorter side.
    /// - Throws: `ImageError` when the mark cannot be rendered or decoded.
    public func watermarked(_ watermark: Watermark) throws -> Image {
        try VipsErrors.attributed {
            let overlay = try watermarkOverlay(watermark)
            let margin = max(min(width, height) / 50, 1)
            let left = watermark.corner == .topLeft || watermark.corner == .bottomLeft
            let top = watermark.corner == .topLeft || watermark.corner == .topRight
            let x = left ? margin : max(width - overlay.width - margin, 0)
            let y = top ? margin : max(height - overlay.height - margin, 0)
            let composite = try Operation("composite2").set("base", self).set("overlay", overlay)
            try composite.set("mode", "over").set("x", x).set("y", y)
            var result = try composite.run()
            if !hasAlpha {
                result = try Operation("extract_band").set("in", result).set("band", 0).set("n", bands).run()
            }
            return try result.cast(toUchar: true)
        }
    }

    // An RGBA overlay, its alpha already scaled by the opacity.
    private func watermarkOverlay(_ watermark: Watermark) throws -> Image {
        let opacity = watermark.opacity
        switch watermark.content {
        case .text(let text):
            let points = max(min(width, height) / 24, 6)
            let mask = try Operation("text").set("text", escapedMarkup(text))
            try mask.set("font", "sans bold \(points)").set("dpi", 72)
            let rendered = try mask.run()
            // One band in, four out: white where the text is, its coverage times the opacity as alpha.
            let rgba = try Operation("linear").set("in", rendered)
            try rgba.set("a", "0 0 0 \(opacity)").set("b", "255 255 255 0")
            // linear leaves the bands "multiband"; composite needs to know they are sRGB.
            let overlay = try rgba.run().cast(toUchar: true)
            return try Operation("copy").set("in", overlay).set("interpretation", "srgb").run()
        case .image(let source):
            let header = try ImageHeader.read(source, limits: ImageLimits())
            let target = max(width / 4, 1)
            var mark = try ImageDecoder.decode(source, header: header, box: (target, target * 4))
            if !mark.hasAlpha {
                mark = try Operation("bandjoin_const").set("in", mark).set("c", "255").run()
            }
            let scaled = try Operation("linear").set("in", mark)
            try scaled.set("a", "1 1 1 \(opacity)").set("b", "0 0 0 0")
            return try scaled.run().cast(toUchar: true)
        }
    }

    private func escapedMarkup(_ text: String) -> String {
        text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
    }

    func cast(toUchar: Bool) throws -> Image {
        try Operation("cast").set("in", self).set("format", "uchar").run()
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
