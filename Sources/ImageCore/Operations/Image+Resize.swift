extension Image {
    /// This image fitted to `request`: fit-inside, or cover then attention crop. Never enlarges.
    ///
    /// Meant for images already decoded (by ``ImageDecoder``): it does no orientation or colour work.
    /// - Throws: `ImageError` when libvips fails.
    public func resized(to request: ResizeRequest) throws -> Image {
        try VipsErrors.attributed {
            guard request.width > 0, request.height > 0 else {
                throw ImageError(.invalidArgument, "a resize box must be at least 1x1, not \(request.width)x\(request.height)")
            }
            // Never enlarge: a cover crop of an image smaller than its box shrinks the box, keeping its
            // shape (a 200x200 square of a 64x48 image is 48x48).
            let shrink = min(1, Double(width) / Double(request.width), Double(height) / Double(request.height))
            let box = (width: max(Int((Double(request.width) * shrink).rounded()), 1),
                       height: max(Int((Double(request.height) * shrink).rounded()), 1))
            if request.mode == .fit && request.scale(fromWidth: width, height: height) >= 1 { return self }
            let operation = try Operation("thumbnail_image").set("in", self)
            try operation.set("width", box.width).set("height", box.height).set("size", "down").set("no-rotate", true)
            if request.mode == .cover { try operation.set("crop", "attention") }
            let resized = try operation.run()
            return resized
        }
    }
}
