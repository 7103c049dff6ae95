/// The one error type of the Renditions module: why a rendition URL is refused, with the HTTP
/// status it is answered with and a code a caller can switch on.
public struct RenditionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// No signature, a malformed one, or one made with a key that is neither current nor previous.
        case badSignature = "bad_signature"
        /// The options do not parse: an unknown option, a bad number, one given twice.
        case badOptions = "bad_options"
        /// The options parse but ask for more than the policy allows (a side past the largest, AVIF
        /// past its pixel bound, an AVIF that is turned off).
        case outOfPolicy = "out_of_policy"
        /// The path is longer than the cap.
        case pathTooLong = "path_too_long"
        /// Presets-only mode, and the options are not one preset.
        case presetsOnly = "presets_only"
        /// A preset name the policy does not have.
        case unknownPreset = "unknown_preset"
        /// No such image to render: unknown, erased, not COMPLETED.
        case notFound = "not_found"
        /// The encoded rendition is past what a buffered function URL response can carry.
        case tooLarge = "rendition_too_large"
        /// Anything but GET or HEAD.
        case methodNotAllowed = "method_not_allowed"
        /// The image store did not answer, or a stored object did not decode: try again shortly.
        case unavailable = "render_unavailable"

        /// The HTTP status this code is answered with.
        public var status: Int {
            switch self {
            case .badSignature: 403
            case .badOptions, .outOfPolicy, .pathTooLong, .presetsOnly, .unknownPreset: 400
            case .notFound: 404
            case .tooLarge: 413
            case .methodNotAllowed: 405
            case .unavailable: 503
            }
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
