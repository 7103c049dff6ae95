/// A rendition URL's path below its base: `/{imageId}/{signature}/{option}/.../{imageId}[.{ext}]`.
/// The signature covers everything after it, the slash included. The image leads as well, so
/// that one invalidation path (`/r/{imageId}/*`, a wildcard being allowed only at the end) reaches
/// every rendition of it at the edge when it is erased; the two must name the same image.
public struct RenditionPath: Sendable, Equatable {
    public var signature: String
    /// What the signature signs: `/{option}/.../{imageId}[.{ext}]`.
    public var signed: String
    public var options: [String]
    public var imageId: String
    public var ext: String?

    /// Splits `path` (which starts with `/`); checks its length and shape, not its signature.
    /// - Throws: `RenditionError` `.pathTooLong`; `.badSignature` when there is no signature
    ///   segment or no image.
    public static func parse(_ path: String, maxLength: Int) throws -> RenditionPath {
        guard path.utf8.count <= maxLength else {
            throw RenditionError(.pathTooLong, "a rendition path may have at most \(maxLength) bytes")
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        let shape = "a rendition URL is /IMAGE_ID/SIGNATURE/OPTIONS/IMAGE_ID[.EXT], signed"
        guard path.hasPrefix("/"), segments.count >= 3, !segments.contains(where: \.isEmpty), let last = segments.last
        else { throw RenditionError(.badSignature, shape) }
        let (leading, signature) = (segments[0], segments[1])
        let name = last.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard leading == name[0] else { throw RenditionError(.badSignature, shape) }
        return RenditionPath(
            signature: signature, signed: String(path.dropFirst(leading.utf8.count + signature.utf8.count + 2)),
            options: Array(segments.dropFirst(2).dropLast()), imageId: name[0], ext: name.count == 2 ? name[1] : nil)
    }

    /// The signed path for these options and image, under `keys`' current key.
    public static func build(options: RenditionOptions, imageId: String, ext: String? = nil, keys: RenditionKeys)
        -> String
    {
        let signed = "/" + (options.segments + [imageId + (ext.map { ".\($0)" } ?? "")]).joined(separator: "/")
        return "/" + imageId + "/" + keys.sign(signed) + signed
    }

    /// The same checked: the signature under `keys`, then the options under `policy`.
    /// - Throws: `RenditionError`: `.badSignature` (403) before anything else is read, then the
    ///   option and policy errors (400).
    public static func verify(_ path: String, keys: RenditionKeys, policy: RenditionPolicy) throws -> (
        imageId: String, spec: RenditionSpec
    ) {
        let parsed = try parse(path, maxLength: policy.maxPathLength)
        guard keys.accepts(parsed.signature, for: parsed.signed) else {
            throw RenditionError(.badSignature, "the signature does not match this URL")
        }
        let spec = try policy.resolve(try RenditionOptions.parse(parsed.options), extension: parsed.ext)
        return (parsed.imageId, spec)
    }
}
