import ImageCore

/// An image decoded for its variants, with the size it has as displayed before the decode shrank
/// it: every variant is sized from the original, whichever decode it is made from.
struct DecodedImage: Sendable {
    var image: Image
    var originalWidth: Int
    var originalHeight: Int
}
