public import Pipeline
import AWSClient

/// What a stage function (or the CLI against AWS) builds once at start-up: configuration from
/// `DARKROOM_*`, the AWS clients (region, credentials and endpoints from the usual variables), the
/// stores, the runner.
public struct AWSServices: Sendable {
    public let config: PipelineConfig
    public let objects: any ObjectStore
    public let jobs: any JobStore
    public let notifier: any Notifier
    public let moderator: (any ContentModerator)?
    public let runner: StageRunner
    /// The images table as the API reads it: where erase notes are (settle reads them).
    public let catalog: DynamoImageCatalog
    /// The clients underneath, for what the stores do not cover (the reconciler's Step Functions).
    public let clients: AWSClients
    /// The images table's name (`DARKROOM_TABLE`).
    public let table: String

    /// - Parameter failureLog: where a function logs a failure's raw error under its reference;
    ///   given, the records keep only cleaned messages (``PublicErrors``). The CLI gives none.
    /// - Throws: `PipelineError` `.invalidConfiguration` naming the variable, or `AWSError`.
    public init(
        environment: [String: String],
        failureLog: (@Sendable (_ reference: String, _ imageId: String, _ raw: String) -> Void)? = nil
    ) throws {
        let (config, table, topic) = try PipelineConfig.fromEnvironment(environment)
        let aws: AWSClients
        do {
            // No answer is read past the largest upload (and room for a response's own framing).
            let http = HTTPClient(maxResponseBytes: config.maxBytes + (1 << 20))
            aws = try AWSClients(environment: AWSEnvironment(environment), http: http)
        } catch let error as AWSError {
            throw PipelineError(.invalidConfiguration, error.message)
        }
        self.config = config
        self.table = table
        clients = aws
        objects = S3ObjectStore(
            s3: aws.s3, copyStorageClass: config.archiveStorageClass.map { [config.archiveBucket: $0] } ?? [:])
        jobs = DynamoJobStore(
            dynamo: aws.dynamoDB, table: table,
            similarTable: environment["DARKROOM_SIMILAR_TABLE"].flatMap { $0.isEmpty ? nil : $0 })
        notifier = SNSNotifier(sns: aws.sns, topicArn: topic)
        moderator = config.moderation == .rekognition ? RekognitionModerator(rekognition: aws.rekognition) : nil
        let names = [
            config.derivedBucket, config.archiveBucket, table, topic, environment["DARKROOM_UPLOADS_BUCKET"],
            environment["DARKROOM_SIMILAR_TABLE"], environment["AWS_LAMBDA_FUNCTION_NAME"],
        ].compactMap { $0 }.filter { !$0.isEmpty }
        runner = StageRunner(
            jobs: jobs, notifier: notifier, publicErrors: failureLog.map { PublicErrors(names: names, log: $0) },
            usage: DynamoUsageLedger(dynamo: aws.dynamoDB, table: table))
        catalog = DynamoImageCatalog(
            dynamo: aws.dynamoDB, table: table, similarTable: environment["DARKROOM_SIMILAR_TABLE"] ?? "")
    }
}
