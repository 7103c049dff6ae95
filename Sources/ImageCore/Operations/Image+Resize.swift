public import MediaTypes

extension Image {
    /// This image fitted to `request`: fit-inside, or cover then attention crop. Never enlarges.
    ///
    /// The output is exactly ``ResizeRequest/outputSize(fromWidth:height:)`` of `original`, the size
    /// of the image as displayed before any decode shrank it: a variant made from a shrunk decode
    /// (the CLI's one decode for every variant) is the size of the same variant made from the
    /// original (each Lambda stage's own decode). Without `original`, this image's own size.
    ///
    /// Meant for images already decoded (by ``ImageDecoder``): it does no orientation or colour work.
    /// - Throws: `ImageError` when libvips fails.
    public func resized(to request: ResizeRequest, original: (width: Int, height: Int)? = nil) throws -> Image {
        try VipsErrors.attributed {
            guard request.width > 0, request.height > 0 else {
                throw ImageError(
                    .invalidArgument, "a resize box must be at least 1x1, not \(request.width)x\(request.height)")
            }
            let original = original ?? (width, height)
            let target = request.outputSize(fromWidth: original.width, height: original.height)
            if target == (width, height) { return self }
            let operation = try Operation("thumbnail_image").set("in", self).set("no-rotate", true)
            try operation.set("width", target.width).set("height", target.height)
            switch request.mode {
            case .fit:
                // The target keeps this image's shape to within a pixel of rounding: forcing it makes
                // the rounding ours (the spec's), not the decode's.
                try operation.set("size", "force")
            case .cover:
                // The target never exceeds the original; a decode shrunk to the most demanding
                // variant can be a rounding pixel short of it, which "both" makes up.
                try operation.set("size", "both").set("crop", "attention")
            }
            return try operation.run()
        }
    }
}
