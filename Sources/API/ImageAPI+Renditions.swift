import Pipeline
import Renditions
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `POST /v1/images/{id}/renditions`: a signed URL for one rendition of the caller's completed image.
extension ImageAPI {
    /// What a caller may ask for; every field optional (a free side is 0, the fit `fit`, the format
    /// `auto`, the quality the policy's), or a preset by name.
    struct RenditionAsk: Decodable {
        var width: Int?
        var height: Int?
        var fit: String?
        var format: String?
        var quality: Int?
        var preset: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case width, height, fit, format, quality, preset }
    }

    struct RenditionAnswer: Encodable {
        var url: String
        /// The rendition's size, from the image's.
        var width: Int
        var height: Int
    }

    func createRendition(_ imageId: String, _ context: RequestContext) async throws -> APIResponse {
        guard let renditions else {
            throw Problem(404, "no_renditions", "Renditions are not served here.")
        }
        let record = try await owned(imageId, owner: context.owner)
        guard record.status == .completed, let metadata = record.job?.metadata else {
            throw Problem(
                409, "not_completed", "Image \(imageId) is \(record.status.rawValue); only completed images render.")
        }
        let options = try Self.renditionOptions(context.request.body)
        let spec: RenditionSpec
        do {
            spec = try renditions.policy.resolve(options, extension: nil)
        } catch let error as RenditionError {
            throw Problem(400, error.code.rawValue, error.message)
        }
        let size = spec.resizeRequest.outputSize(fromWidth: metadata.width, height: metadata.height)
        return .json(
            201, RenditionAnswer(url: renditions.url(options, imageId: imageId), width: size.width, height: size.height)
        )
    }

    static func renditionOptions(_ body: [UInt8]) throws -> RenditionOptions {
        if let object = try? JSONDecoder().decode([String: JSONValueProbe].self, from: Data(body)),
            let unknown = object.keys.sorted().first(where: { RenditionAsk.CodingKeys(rawValue: $0) == nil })
        {
            throw Problem(
                400, "bad_rendition",
                "\(unknown) is not a rendition field; use width, height, fit, format, quality, preset.")
        }
        let ask: RenditionAsk
        do {
            ask = try JSONDecoder().decode(RenditionAsk.self, from: Data(body.isEmpty ? Array("{}".utf8) : body))
        } catch let error as DecodingError {
            throw Problem(400, "bad_rendition", "The rendition could not be read: \(describe(error)).")
        }
        var options = RenditionOptions()
        if ask.width != nil || ask.height != nil || ask.fit != nil {
            guard let fit = RenditionFit(rawValue: ask.fit ?? "fit") else {
                throw Problem(400, "bad_rendition", "fit must be fit or cover.")
            }
            guard (0...100_000).contains(ask.width ?? 0), (0...100_000).contains(ask.height ?? 0) else {
                throw Problem(400, "bad_rendition", "width and height are pixels, 0 for free.")
            }
            (options.fit, options.width, options.height) = (fit, ask.width ?? 0, ask.height ?? 0)
        }
        if let quality = ask.quality {
            guard (1...100).contains(quality) else { throw Problem(400, "bad_rendition", "quality must be 1 to 100.") }
            options.quality = quality
        }
        if let format = ask.format {
            guard let parsed = RenditionFormat(format), format != "jpg" else {
                throw Problem(400, "bad_rendition", "format must be jpeg, png, webp, avif or auto.")
            }
            options.format = parsed
        }
        if let preset = ask.preset {
            guard RenditionPolicy.isValidName(preset) else { throw Problem(400, "bad_rendition", "preset is a name.") }
            options.preset = preset
        }
        return options
    }

    /// Any JSON value, only to list an object's keys.
    struct JSONValueProbe: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}
