/// How an output is fitted to its box.
public enum ResizeMode: String, Sendable, Codable {
    /// Scale to fit inside the box, keeping the aspect ratio.
    case fit
    /// Scale to cover the box, then crop to it around the most interesting region (attention).
    case cover
}

/// One output size: a box and a way to fit it. Images are never enlarged.
public struct ResizeRequest: Sendable, Equatable, Hashable {
    public var width: Int
    public var height: Int
    public var mode: ResizeMode

    public init(width: Int, height: Int, mode: ResizeMode) {
        self.width = width
        self.height = height
        self.mode = mode
    }

    /// The size of this request's output from an image of the given size (as displayed): the one
    /// definition every path renders to.
    ///
    /// - Fit: the image scaled to fit inside the box, the binding side exactly the box's, the other
    ///   rounded to the nearest pixel (at least 1); never enlarged, so an image already inside the
    ///   box keeps its size.
    /// - Cover: the box itself when the image can fill it; otherwise the largest box of the same
    ///   shape that the image can fill (a 200x200 square of a 64x48 image is 48x48).
    public func outputSize(fromWidth width: Int, height: Int) -> (width: Int, height: Int) {
        let (width, height) = (max(width, 1), max(height, 1))
        // Compared and scaled as integers, so the binding side is the box's exactly and a half
        // pixel always rounds the same way, whatever the decode.
        switch mode {
        case .fit:
            if width <= self.width && height <= self.height { return (width, height) }
            if self.width * height <= self.height * width {
                return (self.width, Self.scaled(height, by: self.width, over: width))
            }
            return (Self.scaled(width, by: self.height, over: height), self.height)
        case .cover:
            if width >= self.width && height >= self.height { return (self.width, self.height) }
            // The largest box of this shape inside the image: its side that is short of the box binds.
            if width * self.height <= height * self.width {
                return (width, min(Self.scaled(self.height, by: width, over: self.width), height))
            }
            return (min(Self.scaled(self.width, by: height, over: self.height), width), height)
        }
    }

    /// The scale this request needs from an image of the given size, never above 1.
    public func scale(fromWidth width: Int, height: Int) -> Double {
        let x = Double(self.width) / Double(max(width, 1))
        let y = Double(self.height) / Double(max(height, 1))
        return min(mode == .fit ? min(x, y) : max(x, y), 1)
    }

    /// The box to decode an image into so that every request can be made from it: the size the
    /// most demanding request needs, never larger than the image itself.
    public static func decodeBox(for requests: [ResizeRequest], width: Int, height: Int) -> (width: Int, height: Int) {
        let scale = requests.map { $0.scale(fromWidth: width, height: height) }.max() ?? 1
        return (max(Int((Double(width) * scale).rounded(.up)), 1), max(Int((Double(height) * scale).rounded(.up)), 1))
    }

    /// `length` x `numerator` / `denominator`, rounded half up, at least 1.
    private static func scaled(_ length: Int, by numerator: Int, over denominator: Int) -> Int {
        max((2 * length * numerator + denominator) / (2 * denominator), 1)
    }
}
