public import MediaTypes

/// The limits an input must respect before any pixel is decoded.
public struct ImageLimits: Sendable, Equatable {
    /// Largest accepted input, in bytes (default 50 MB).
    public var maxBytes: Int
    /// Largest accepted width x height x pages (default 100 megapixels).
    public var maxPixels: Int
    /// Most frames or pages an input may declare (default 1,000).
    public var maxFrames: Int
    /// Most times one side may be longer than the other (default 100: a 10000x100 banner passes,
    /// a strip one pixel high does not).
    public var maxAspectRatio: Int

    public init(
        maxBytes: Int = InputLimits.maxBytes, maxPixels: Int = InputLimits.maxPixels,
        maxFrames: Int = InputLimits.maxFrames, maxAspectRatio: Int = InputLimits.maxAspectRatio
    ) {
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
        self.maxFrames = maxFrames
        self.maxAspectRatio = maxAspectRatio
    }

    /// Checks a byte count (a file's size, an object's Content-Length) before anything is read.
    /// - Throws: `ImageError` `.tooLarge` or `.empty`.
    public func checkByteCount(_ count: Int) throws {
        if count == 0 { throw ImageError(.empty, "the input has zero bytes") }
        if count > maxBytes {
            throw ImageError(.tooLarge, "the input has \(count) bytes, more than the limit of \(maxBytes)")
        }
    }

    /// Checks dimensions read from a header.
    /// - Throws: `ImageError` `.tooManyPixels`, `.tooManyFrames`, `.extremeAspectRatio`, or
    ///   `.corrupt` for a side of zero pixels.
    public func checkDimensions(width: Int, height: Int, pages: Int) throws {
        guard width > 0, height > 0 else {
            throw ImageError(.corrupt, "the input declares \(width)x\(height) pixels")
        }
        if pages > maxFrames {
            throw ImageError(.tooManyFrames, "the input declares \(pages) frames, more than the limit of \(maxFrames)")
        }
        let (area, overflowA) = width.multipliedReportingOverflow(by: height)
        let (total, overflowB) = area.multipliedReportingOverflow(by: max(pages, 1))
        if overflowA || overflowB || total > maxPixels {
            throw ImageError(
                .tooManyPixels,
                "the input declares \(width)x\(height) pixels x \(pages) frame(s), more than the limit of \(maxPixels) pixels"
            )
        }
        let (long, short) = (max(width, height), min(width, height))
        if long > short * maxAspectRatio {
            throw ImageError(
                .extremeAspectRatio,
                "the input is \(width)x\(height) pixels: one side is more than \(maxAspectRatio) times the other")
        }
    }
}
