/// The clients Darkroom uses, built once from the environment: region, credentials chain and each
/// service's endpoint (with the SDKs' override variables honoured).
public struct AWSClients: Sendable {
    public let s3: S3Client
    public let dynamoDB: DynamoDBClient
    public let sns: SNSClient
    public let rekognition: RekognitionClient
    public let stepFunctions: StepFunctionsClient
    public let secretsManager: SecretsManagerClient
    public let cloudFront: CloudFrontClient
    public let cloudFormation: CloudFormationClient

    /// - Throws: `AWSError` `.credentials` when no region is set, `.invalidResponse` for a malformed
    ///   endpoint override.
    public init(
        environment: AWSEnvironment, http: HTTPClient = HTTPClient(), retry: RetryPolicy = RetryPolicy(),
        credentials: (any CredentialProvider)? = nil
    ) throws {
        guard let region = environment.region else {
            throw AWSError(.credentials, message: "no region: set AWS_REGION")
        }
        let provider = credentials ?? CredentialChain.standard(environment: environment, http: http)
        func client(_ service: String, _ format: AWSServiceClient.ErrorFormat, serviceId: String? = nil) throws
            -> AWSServiceClient
        {
            AWSServiceClient(
                service: service, region: region,
                endpoint: try environment.endpoint(service: service, serviceId: serviceId, region: region),
                credentials: provider, http: http, errorFormat: format, retry: retry)
        }
        s3 = S3Client(client: try client("s3", .xml))
        dynamoDB = DynamoDBClient(client: try client("dynamodb", .json))
        sns = SNSClient(client: try client("sns", .xml))
        rekognition = RekognitionClient(client: try client("rekognition", .json))
        // Step Functions signs and is reached as "states"; the SDKs' service id (for its endpoint
        // variable, AWS_ENDPOINT_URL_SFN) is "SFN".
        stepFunctions = StepFunctionsClient(client: try client("states", .json, serviceId: "SFN"))
        secretsManager = SecretsManagerClient(client: try client("secretsmanager", .json, serviceId: "Secrets Manager"))
        cloudFormation = CloudFormationClient(client: try client("cloudformation", .xml))
        // Global: one endpoint, signed for us-east-1 whatever the stack's region.
        let cloudFrontEndpoint =
            try environment.endpoint(service: "cloudfront", region: region).isCustom
            ? try environment.endpoint(service: "cloudfront", region: region)
            : AWSEndpoint(scheme: "https", host: "cloudfront.amazonaws.com", port: nil, isCustom: false)
        cloudFront = CloudFrontClient(
            client: AWSServiceClient(
                service: "cloudfront", region: "us-east-1", endpoint: cloudFrontEndpoint, credentials: provider,
                http: http, errorFormat: .xml, retry: retry))
    }
}
