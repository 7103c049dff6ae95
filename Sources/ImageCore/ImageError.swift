internal import CVips
public import MediaTypes
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The one error type of ImageCore: a code a caller can switch on, and the message that explains it
/// (libvips' own words where libvips failed).
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarse enough to map onto a job's rejection reason.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The bytes are not one of the accepted formats (SVG, PDF, text, archives, unknown).
        case unsupportedFormat = "unsupported_format"
        /// The input is larger than the byte limit.
        case tooLarge = "too_large"
        /// Width x height x pages is above the pixel limit.
        case tooManyPixels = "too_many_pixels"
        /// More frames or pages than the frame limit.
        case tooManyFrames = "too_many_frames"
        /// One side more than `ImageLimits.maxAspectRatio` times the other (a 1-pixel strip): no
        /// useful variant can be made, and shrinking it would take a side below one pixel.
        case extremeAspectRatio = "extreme_aspect_ratio"
        /// Zero bytes.
        case empty
        /// The bytes claim an accepted format but cannot be decoded (truncated, damaged).
        case corrupt
        /// An output could not be encoded.
        case encodeFailed = "encode_failed"
        /// A request made no sense (a zero-sized box, an unknown watermark corner, ...).
        case invalidArgument = "invalid_argument"
        /// libvips could not start, or an operation failed for a reason that is not the input's.
        case internalFailure = "internal_failure"
    }

    /// What went wrong.
    public var code: Code
    /// Why, in words a person can act on.
    public var message: String

    /// A libvips failure inside `VipsErrors.attributed`, whose words that call fills in.
    var awaitsDetail = false

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: ImageError, rhs: ImageError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// An error carrying libvips' own words for the failure: filled in by the `VipsErrors.attributed`
    /// call it happened in (see there why), or read from the buffer at once outside one.
    static func vips(_ code: Code, _ context: String) -> ImageError {
        var error = ImageError(code, context)
        guard VipsErrors.isAttributing else { return error.with(VipsErrors.takeBuffer()) }
        error.awaitsDetail = true
        return error
    }

    /// This error with libvips' words (`buffer`) after its context.
    func with(_ buffer: String) -> ImageError {
        // libvips repeats a loader's complaint once per line or tile it tried; say it once.
        var seen = Set<Substring>()
        let detail = buffer.split(separator: "\n").filter { seen.insert($0).inserted }.joined(separator: "; ")
        return ImageError(code, detail.isEmpty ? message : "\(message): \(detail)")
    }
}

extension ImageError.Code {
    /// The rejection this code is when the input is at fault; nil for a failure that is not the
    /// input's (an encoder that failed, a bad request, libvips itself).
    public var rejectionReason: RejectionReason? {
        switch self {
        case .unsupportedFormat: .unsupportedFormat
        case .tooLarge: .tooLarge
        case .tooManyPixels: .tooManyPixels
        case .tooManyFrames: .tooManyFrames
        case .extremeAspectRatio: .extremeAspectRatio
        case .empty: .empty
        case .corrupt: .corrupt
        case .encodeFailed, .invalidArgument, .internalFailure: nil
        }
    }
}
