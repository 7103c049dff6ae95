/// What an adopt run of some objects would cost in AWS, as `darkroom adopt --dry-run` prints it and
/// docs/deploying.md ("Adopt") derives it: the requests a run makes per object (a claim, a HEAD, a
/// copy, a HEAD, the adoption written) and per batch, priced at AWS's us-east-1 list prices
/// (x86_64), then the pipeline's own cost for each copy, which arrives as an upload.
public struct AdoptCost: Sendable, Equatable {
    /// Objects to copy.
    public var objects: Int
    /// Objects listed in all (each is a step of a child, copied or not).
    public var listed: Int
    /// Objects per child workflow.
    public var batchSize: Int

    public init(objects: Int, listed: Int, batchSize: Int) {
        self.objects = objects
        self.listed = listed
        self.batchSize = max(1, batchSize)
    }

    // Prices (us-east-1, x86_64, 2026), as RederiveCost and scripts/cost.py have them.
    static let s3List = 0.005 / 1000
    static let s3Copy = 0.005 / 1000
    static let s3Head = 0.0004 / 1000
    /// The pipeline per image as deployed, x86_64 (docs/deploying.md, "Cost per million images").
    public static let pipelinePerImage = 44.92 / 1e6
    // The settle function's step: about 0.05 s at 256 MB.
    static let settleGBSeconds = 0.256 * 0.05

    /// The estimate, line by line.
    public var lines: [RederiveCost.Line] {
        let all = Double(listed)
        let copied = Double(objects)
        let batches = (all / Double(batchSize)).rounded(.up)
        // A child takes its batch ten at a time, about 0.5 s a round, at 64 MB.
        let childSeconds = (Double(batchSize) / 10).rounded(.up) * 0.5
        return [
            Line(what: "the listing (1,000 keys a page)", dollars: (all / 1000).rounded(.up) * Self.s3List),
            Line(
                what: "Lambda (the settle function's step per object, one per batch)",
                dollars: (all + batches) * RederiveCost.lambdaRequest
                    + all * Self.settleGBSeconds * RederiveCost.lambdaGBSecond),
            Line(
                what: "Step Functions (Express children, Standard parent)",
                dollars: batches * (RederiveCost.expressRequest + 0.0625 * childSeconds * RederiveCost.expressGBSecond)
                    + (2 * batches + 8) * RederiveCost.standardTransition),
            Line(what: "S3 (a copy and two HEADs an object)", dollars: copied * (Self.s3Copy + 2 * Self.s3Head)),
            Line(
                what: "DynamoDB (the claim and the adoption: 1 write unit each)",
                dollars: copied * 2 * RederiveCost.dynamoWrite),
            Line(what: "the pipeline, per image as deployed (x86_64)", dollars: copied * Self.pipelinePerImage),
        ]
    }

    public typealias Line = RederiveCost.Line

    /// The whole estimate in dollars.
    public var dollars: Double { lines.map(\.dollars).reduce(0, +) }
}
