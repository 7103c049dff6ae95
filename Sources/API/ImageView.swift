import Pipeline
import Renditions
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An image as the API shows it: in a list (`full` false: what a grid needs) or alone (everything:
/// metadata, moderation, faces, the stage trail).
struct ImageView: Encodable {
    var imageId: String
    var uploadId: String?
    var status: String
    /// A REJECTED image's reason.
    var reason: String?
    /// A FAILED image's cause.
    var cause: String?
    /// The message behind the reason or the cause (a failure's cleaned of internal names).
    var detail: String?
    /// A FAILED image's reference: what an operator finds its raw error in the logs by.
    var reference: String?
    var createdAt: String
    var updatedAt: String
    var camera: String?
    var width: Int?
    var height: Int?
    var takenAt: String?
    var variants: [VariantView]
    /// A completed image's signed rendition URL per preset, by name (absent where none are offered).
    var renditions: [String: RenditionView]?
    var metadata: ImageMetadata?
    var moderation: ModerationView?
    var faces: [FaceBox]?
    var stages: [StageRecord]?
    /// How far its perceptual hash is from the image searched by (similar only).
    var distance: Int?

    struct VariantView: Encodable {
        var name: String
        var format: String
        var width: Int
        var height: Int
        var bytes: Int
        var contentType: String
        var url: String
        /// nil: the URL does not expire (the CDN's).
        var expiresAt: String?
    }

    struct RenditionView: Encodable {
        var url: String
        /// The rendition's size, from the image's.
        var width: Int
        var height: Int
        var fit: String
    }

    struct ModerationView: Encodable {
        var status: ModerationVerdict
        var labels: [String]
    }

    init(
        _ record: JobRecord, links: any VariantLinks, renditions: RenditionLinks? = nil, derivedBucket: String,
        full: Bool
    ) throws {
        let job = record.job
        let metadata = job?.metadata
        imageId = record.imageId
        uploadId = Owner.of(key: record.source.key).uploadId
        status = record.status.rawValue
        reason = record.reason
        cause = record.cause
        // Cleaned again on the way out: records written before failures were cleaned.
        detail = record.status == .failed ? record.detail.map { PublicMessage.clean($0) } : record.detail
        reference = record.reference
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        camera = metadata?.camera
        width = metadata?.width
        height = metadata?.height
        takenAt = metadata?.takenAt
        // Only a completed image's variants are published.
        let published = record.status == .completed ? job?.variants ?? [] : []
        variants = try published.map { variant in
            let link = try links.link(bucket: variant.bucket, key: variant.key)
            return VariantView(
                name: variant.name, format: variant.format, width: variant.width, height: variant.height,
                bytes: variant.bytes,
                contentType: variant.contentType, url: link.url, expiresAt: link.expiresAt.map(Timestamp.string))
        }
        if let renditions, record.status == .completed, let metadata {
            self.renditions = Self.renditions(record.imageId, metadata: metadata, links: renditions)
        }
        guard full else { return }
        self.metadata = metadata
        moderation = job?.moderation.map { ModerationView(status: $0.status, labels: $0.labels) }
        faces = job?.moderation?.faceBoxes ?? []
        stages = record.stages.values.sorted { ($0.startedAt, $0.stage.rawValue) < ($1.startedAt, $1.stage.rawValue) }
    }

    static func renditions(_ imageId: String, metadata: ImageMetadata, links: RenditionLinks) -> [String: RenditionView]
    {
        var views: [String: RenditionView] = [:]
        for preset in links.policy.presets {
            guard let spec = try? links.policy.resolve(RenditionOptions(preset: preset.name), extension: nil) else {
                continue
            }
            let size = spec.resizeRequest.outputSize(fromWidth: metadata.width, height: metadata.height)
            views[preset.name] = RenditionView(
                url: links.url(RenditionOptions(preset: preset.name), imageId: imageId), width: size.width,
                height: size.height, fit: spec.fit.rawValue)
        }
        return views
    }
}
