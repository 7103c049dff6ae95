public import Pipeline
public import ImageCore
import MediaTypes

/// The resize and thumbnail stages: one type, two configurations. Each decodes the source once,
/// as small as its largest variant allows, derives every variant from that decode, encodes them all,
/// and only then publishes them, so a failure publishes nothing.
public struct VariantStage: Stage {
    public let name: StageName
    private let maker: VariantSpec.Maker
    private let specs: [VariantSpec]
    private let objects: any ObjectStore
    private let config: PipelineConfig
    private let watermark: Watermark?
    private let shared: SharedDecodes?

    /// A stage with variants to make publishes them (so reads the record first); one with none has
    /// nothing to check.
    public var publishes: Bool { !specs.isEmpty }

    /// - Parameter kind: `.resize` or `.thumbnail`; the stage makes the variants of that kind.
    /// - Parameter shared: where a process running both variant stages keeps one decode per image
    ///   for both (the CLI); nil in Lambda, where each stage decodes for itself.
    public init(
        _ kind: VariantSpec.Maker, objects: any ObjectStore, config: PipelineConfig, watermark: Watermark? = nil,
        shared: SharedDecodes? = nil
    ) {
        name = kind.stage
        maker = kind
        specs = config.variants(madeBy: kind)
        self.objects = objects
        self.config = config
        self.watermark = watermark
        self.shared = shared
    }

    public func run(_ job: ImageJob) async throws -> ImageJob {
        // A rederive names its own set, and its own original (the archived copy); of its specs,
        // those whose variants the plan kept (the same keys) are not rendered again.
        let specs =
            try job.rederive.map { order in
                let kept = Set(job.variants.map(\.key))
                return try VariantSpec.parseList(order.variants).filter { spec in
                    spec.madeBy == maker
                        && !Set(config.layout.variantKeys(imageId: job.imageId, specs: [spec])).isSubset(of: kept)
                }
            } ?? self.specs
        guard !specs.isEmpty else { return job }
        var job = job
        let source = job.rederive?.original ?? job.source
        let rendered: [Rendered]
        if let shared {
            // Decoded once for every variant of the set, whichever variant stage asks first.
            let (objects, config) = (objects, config)
            let decoded = try await shared.decoded(job.imageId) {
                let bytes = ImageSource(try await objects.get(source, maxBytes: config.maxBytes))
                return try imageWork { try Self.decode(bytes, for: config.variants, limits: config.imageLimits) }
            }
            rendered = try imageWork {
                try Self.render(decoded, imageId: job.imageId, specs: specs, config: config, watermark: watermark)
            }
        } else {
            // The downloaded bytes are copied into the decode buffer and dropped at once, so the
            // input is held once, not twice, while it is decoded.
            let source = ImageSource(try await objects.get(source, maxBytes: config.maxBytes))
            rendered = try imageWork {
                try Self.render(source, imageId: job.imageId, specs: specs, config: config, watermark: watermark)
            }
        }
        for output in rendered {
            try await objects.put(
                bucket: output.variant.bucket, key: output.variant.key, bytes: output.bytes,
                options: PutOptions(contentType: output.variant.contentType, cacheControl: PutOptions.immutable))
        }
        job.variants.removeAll { variant in rendered.contains { $0.variant.key == variant.key } }
        job.variants += rendered.map(\.variant)
        return job
    }

    /// One encoded variant, not yet published.
    public struct Rendered: Sendable {
        public var variant: Variant
        public var bytes: [UInt8]
    }

    /// Every variant of `specs` from one decode of `bytes`, encoded, in memory. The stage publishes
    /// them; `darkroom variants` and the benchmarks use this directly.
    /// - Throws: `ImageError` for bad input.
    public static func render(
        _ bytes: [UInt8], imageId: String, specs: [VariantSpec], config: PipelineConfig,
        watermark: Watermark? = nil
    ) throws -> [Rendered] {
        try render(ImageSource(bytes), imageId: imageId, specs: specs, config: config, watermark: watermark)
    }

    /// The same, from bytes already in an `ImageSource`.
    /// - Throws: `ImageError` for bad input.
    public static func render(
        _ source: ImageSource, imageId: String, specs: [VariantSpec], config: PipelineConfig,
        watermark: Watermark? = nil
    ) throws -> [Rendered] {
        try render(
            try decode(source, for: specs, limits: config.imageLimits), imageId: imageId, specs: specs, config: config,
            watermark: watermark)
    }

    /// `source` decoded as small as the largest of `specs` allows (its header read here unless given).
    /// - Throws: `ImageError` for bad input.
    static func decode(_ source: ImageSource, header: ImageHeader? = nil, for specs: [VariantSpec], limits: ImageLimits)
        throws
        -> DecodedImage
    {
        let header = try header ?? ImageHeader.read(source, limits: limits)
        let box = ResizeRequest.decodeBox(for: specs.map(Self.request), width: header.width, height: header.height)
        return DecodedImage(
            image: try ImageDecoder.decode(source, header: header, box: box), originalWidth: header.width,
            originalHeight: header.height)
    }

    /// Every variant of `specs` from an image already decoded (at least as large as they need), each
    /// the size its spec gives for the original.
    /// - Throws: `ImageError` for bad input.
    static func render(
        _ decoded: DecodedImage, imageId: String, specs: [VariantSpec], config: PipelineConfig,
        watermark: Watermark? = nil
    ) throws -> [Rendered] {
        var outputs: [Rendered] = []
        for (spec, request) in zip(specs, specs.map(Self.request)) {
            var image = try decoded.image.resized(
                to: request, original: (decoded.originalWidth, decoded.originalHeight))
            if spec.watermark, let watermark { image = try image.watermarked(watermark) }
            for format in spec.formats {
                let encoded = try image.encoded(as: format, options: EncodeOptions(quality: spec.quality))
                let key = config.layout.variantKey(imageId: imageId, spec: spec, format: format)
                let variant = Variant(
                    name: spec.name, format: format.rawValue, width: image.width, height: image.height,
                    bytes: encoded.count, bucket: config.derivedBucket, key: key, contentType: format.contentType)
                outputs.append(Rendered(variant: variant, bytes: encoded))
            }
        }
        return outputs
    }

    static func request(_ spec: VariantSpec) -> ResizeRequest {
        ResizeRequest(width: spec.width, height: spec.height, mode: spec.cover ? .cover : .fit)
    }
}
