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

    /// The scale this request needs from an image of the given size, never above 1.
    func scale(fromWidth width: Int, height: Int) -> Double {
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
}
