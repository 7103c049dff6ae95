import MediaTypes
import Pipeline
import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PipelineAWS

/// API Gateway's HTTP API events (payload format 2.0) in and out.
public enum APIGateway {
    struct Event: Decodable {
        struct Context: Decodable {
            struct HTTP: Decodable {
                var method: String
                var path: String
            }
            struct Authorizer: Decodable {
                struct JWT: Decodable {
                    var claims: [String: JSONValue]?
                }
                var jwt: JWT?
                /// A Lambda authorizer's context: what `sam local start-api` runs in the JWT
                /// authorizer's place (harness/sam_authorizer), handing on the token's `sub`.
                var lambda: [String: JSONValue]?
            }
            var http: HTTP
            var authorizer: Authorizer?
        }
        var version: String?
        var requestContext: Context
        var queryStringParameters: [String: String]?
        var body: String?
        var isBase64Encoded: Bool?
    }

    /// The request an event carries, with the `sub` of the token the JWT authorizer verified (or
    /// a Lambda authorizer, which API Gateway alone fills in: a caller cannot).
    /// - Throws: `Problem` 400 when the event is not a payload 2.0 HTTP event.
    public static func request(_ event: [UInt8]) throws -> APIRequest {
        let decoded: Event
        do {
            decoded = try JSONDecoder().decode(Event.self, from: Data(event))
        } catch {
            throw Problem(400, "bad_event", "The invocation is not an API Gateway HTTP API event (payload format 2.0).")
        }
        var body = Array((decoded.body ?? "").utf8)
        if decoded.isBase64Encoded == true {
            guard let bytes = Data(base64Encoded: decoded.body ?? "") else {
                throw Problem(400, "bad_event", "The body is not base64.")
            }
            body = Array(bytes)
        }
        return APIRequest(
            method: decoded.requestContext.http.method.uppercased(), path: decoded.requestContext.http.path,
            query: decoded.queryStringParameters ?? [:], body: body,
            subject: decoded.requestContext.authorizer?.jwt?.claims?["sub"]?.string
                ?? decoded.requestContext.authorizer?.lambda?["sub"]?.string)
    }

    struct Response: Encodable {
        var statusCode: Int
        var headers: [String: String]
        var body: String
        var isBase64Encoded: Bool
    }

    /// The event API Gateway turns into the HTTP response.
    public static func response(_ response: APIResponse) -> [UInt8] {
        let encoded = Response(
            statusCode: response.status, headers: response.headers.merging(["Cache-Control": "no-store"]) { a, _ in a },
            body: String(decoding: response.body, as: UTF8.self), isBase64Encoded: false)
        return (try? APIResponse.encoder.encode(encoded)).map(Array.init) ?? Array("{\"statusCode\":500}".utf8)
    }
}

extension ImageAPI {
    /// The API in AWS, configured by the function's environment (docs/api.md): DynamoDB for the
    /// catalog, S3 for objects and forms, CloudFront links when `DARKROOM_CDN_DOMAIN` is set,
    /// else presigned GETs.
    /// - Throws: `PipelineError` `.invalidConfiguration` naming a missing or malformed variable.
    public static func fromEnvironment(
        _ environment: [String: String], signing: EdgeSigning? = nil, log: @escaping @Sendable (String) -> Void
    ) throws -> ImageAPI {
        let settings = EnvironmentSettings(environment)
        let secret = try settings.required("DARKROOM_API_SECRET")
        guard secret.utf8.count >= 32 else {
            throw PipelineError(.invalidConfiguration, "DARKROOM_API_SECRET must have at least 32 characters")
        }
        let config = APIConfig(
            uploadsBucket: try settings.required("DARKROOM_UPLOADS_BUCKET"),
            derivedBucket: try settings.required("DARKROOM_DERIVED_BUCKET"),
            archiveBucket: try settings.required("DARKROOM_ARCHIVE_BUCKET"),
            maxBytes: try settings.number("DARKROOM_MAX_BYTES", default: InputLimits.maxBytes),
            uploadExpiry: try settings.number("DARKROOM_UPLOAD_EXPIRY_SECONDS", default: 900),
            apiSecret: Array(secret.utf8),
            operatorSubject: settings.optional("DARKROOM_OPERATOR_SUBJECT"),
            quotas: QuotaLimits(
                imagesPerDay: try settings.number("DARKROOM_QUOTA_IMAGES_PER_DAY", default: 0, minimum: 0),
                storedBytes: try settings.number("DARKROOM_QUOTA_STORED_BYTES", default: 0, minimum: 0),
                inFlight: try settings.number("DARKROOM_QUOTA_IN_FLIGHT", default: 0, minimum: 0),
                uploadsPerMinute: try settings.number("DARKROOM_QUOTA_UPLOADS_PER_MINUTE", default: 0, minimum: 0)))
        let aws: AWSClients
        let outside: AWSClients
        do {
            aws = try AWSClients(environment: AWSEnvironment(environment))
            // The URLs handed out are reached by the caller, not by the function: locally they may
            // need another address than the function's own (DARKROOM_PUBLIC_S3_ENDPOINT).
            var seenFromOutside = environment
            if let endpoint = settings.optional("DARKROOM_PUBLIC_S3_ENDPOINT") {
                seenFromOutside["AWS_ENDPOINT_URL_S3"] = endpoint
            }
            outside = try AWSClients(environment: AWSEnvironment(seenFromOutside))
        } catch let error as AWSError {
            throw PipelineError(.invalidConfiguration, error.message)
        }
        // The edge's address: the distribution's domain; locally, DARKROOM_CDN_BASE (the edge double).
        let edgeBase =
            settings.optional("DARKROOM_CDN_BASE") ?? settings.optional("DARKROOM_CDN_DOMAIN").map { "https://\($0)" }
        let links: any VariantLinks =
            try edgeBase.map { CDNLinks(base: $0, signing: signing) }
            ?? PresignedLinks(
                s3: outside.s3, expires: try settings.number("DARKROOM_URL_EXPIRY_SECONDS", default: 3_600))
        let table = try settings.required("DARKROOM_TABLE")
        return ImageAPI(
            config: config,
            catalog: DynamoImageCatalog(
                dynamo: aws.dynamoDB, table: table, similarTable: try settings.required("DARKROOM_SIMILAR_TABLE")),
            objects: S3ObjectStore(s3: aws.s3), forms: S3UploadForms(s3: outside.s3), links: links,
            usage: DynamoUsageLedger(dynamo: aws.dynamoDB, table: table),
            edge: settings.optional("DARKROOM_CDN_DISTRIBUTION_ID").map {
                CloudFrontEdgeCache(cloudFront: aws.cloudFront, distributionId: $0)
            }, log: log)
    }
}
