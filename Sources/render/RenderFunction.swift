import AWSClient
import ImageCore
import Pipeline
import PipelineAWS
import MediaTypes
import Renditions
import Rendering

/// The render function's parts, from its environment (docs/functions.md): the catalog and the
/// objects in DynamoDB and S3, the policy from `DARKROOM_RENDITION_*`, the keys from the secret
/// `DARKROOM_RENDITION_KEY_SECRET` names, read here, once, before the first request.
enum RenderFunction {
    static func service(_ environment: [String: String], log: @escaping @Sendable (String) -> Void) async throws
        -> RenderService
    {
        let settings = EnvironmentSettings(environment)
        var config = PipelineConfig(
            derivedBucket: try settings.required("DARKROOM_DERIVED_BUCKET"),
            archiveBucket: try settings.required("DARKROOM_ARCHIVE_BUCKET"),
            maxBytes: try settings.number("DARKROOM_MAX_BYTES", default: InputLimits.maxBytes),
            maxPixels: try settings.number("DARKROOM_MAX_PIXELS", default: InputLimits.maxPixels))
        if let variants = settings.optional("DARKROOM_VARIANTS") {
            config.variants = try VariantSpec.parseList(variants)
        }
        let policy = try RenditionPolicy.fromEnvironment(environment)
        let aws = try AWSClients.configured(environment)
        let secret = try RenditionKeySecret.named(in: environment, aws: aws)
        let keys = try await secret.read()
        return RenderService(
            policy: policy,
            keyring: RenditionKeyring(
                keys, reload: { try await secret.read() },
                minimumInterval: .seconds(
                    try settings.number("DARKROOM_RENDITION_KEY_REREAD_SECONDS", default: 30, minimum: 0))),
            catalog: DynamoImageCatalog(
                dynamo: aws.dynamoDB, table: try settings.required("DARKROOM_TABLE"),
                similarTable: try settings.required("DARKROOM_SIMILAR_TABLE")),
            objects: S3ObjectStore(s3: aws.s3), specs: config.variants,
            limits: ImageLimits(maxBytes: config.maxBytes, maxPixels: config.maxPixels, maxFrames: config.maxFrames),
            maxSourceBytes: config.maxBytes, log: log)
    }
}
