import Synchronization
import ImageCore

/// One decode per image for the variant stages of a process that runs them all (the CLI's flow):
/// the first stage to ask downloads the pinned bytes and decodes them, as small as the largest
/// variant of the whole set allows; the other waits for that decode and derives its variants from
/// it. In Lambda each stage is a process of its own and decodes for itself.
public final class SharedDecodes: Sendable {
    private let entries = Mutex<[String: Task<DecodedImage, any Error>]>([:])
    private let made = Atomic<Int>(0)

    public init() {}

    /// How many decodes were started through this (one per image, however many stages asked).
    public var decodesMade: Int { made.load(ordering: .relaxed) }

    /// The decode of image `imageId`, made by `make` for the first caller, awaited by the rest.
    func decoded(_ imageId: String, _ make: @escaping @Sendable () async throws -> DecodedImage) async throws
        -> DecodedImage
    {
        let task = entries.withLock { entries in
            if let task = entries[imageId] { return task }
            made.add(1, ordering: .relaxed)
            let task = Task { try await make() }
            entries[imageId] = task
            return task
        }
        return try await task.value
    }

    /// Lets go of an image's decode once its run is over.
    public func forget(_ imageId: String) {
        _ = entries.withLock { $0.removeValue(forKey: imageId) }
    }
}
