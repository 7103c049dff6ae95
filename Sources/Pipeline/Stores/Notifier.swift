#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What is announced when an image reaches a final status.
public struct Notification: Codable, Sendable, Equatable {
    public var imageId: String
    public var status: JobStatus
    /// A rejection's reason.
    public var reason: String?
    /// A failure's cause.
    public var cause: String?
    public var detail: String?
    public var source: SourceObject
    /// Keys of the published variants (none unless COMPLETED).
    public var variants: [String]

    public init(
        imageId: String, status: JobStatus, reason: String?, cause: String? = nil, detail: String?,
        source: SourceObject,
        variants: [String]
    ) {
        self.imageId = imageId
        self.status = status
        self.reason = reason
        self.cause = cause
        self.detail = detail
        self.source = source
        self.variants = variants
    }
}

/// Announces outcomes: SNS in AWS, a JSON-lines file locally.
public protocol Notifier: Sendable {
    func publish(_ notification: Notification) async throws
}

/// Appends each notification as one JSON line to a file.
public actor LocalNotifier: Notifier {
    private let path: String

    public init(path: String) {
        self.path = path
    }

    public func publish(_ notification: Notification) async throws {
        var line = [UInt8](try JSONEncoder().encode(notification))
        line.append(0x0A)
        // One write(2) of a whole line with O_APPEND: lines never interleave.
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw PipelineError(.fault, "cannot open \(path)") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw PipelineError(.fault, "cannot append to \(path)") }
    }
}
