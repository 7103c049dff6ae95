/// What a rederive of some images would cost in AWS, as `darkroom rederive --dry-run` prints it
/// and docs/deploying.md ("Rederive: cost and scale") derives it: the requests a run makes per
/// image and per batch (counted in the local stack), priced at AWS's us-east-1 list prices, with
/// the variant functions' durations from bench/results/MEMORY.md (their 99th-percentile input,
/// so an upper bound for ordinary photos).
public struct RederiveCost: Sendable, Equatable {
    /// Images planned onto the new set (the others are skipped after one read).
    public var images: Int
    /// Images the run reads and skips.
    public var skipped: Int
    /// Images per child workflow.
    public var batchSize: Int
    /// Mean bytes of an original (GLACIER_IR bills each GB read back).
    public var originalBytes: Double
    /// Objects each image gets (one per variant and format).
    public var objectsPerImage: Int

    public init(images: Int, skipped: Int, batchSize: Int, originalBytes: Double, objectsPerImage: Int) {
        self.images = images
        self.skipped = skipped
        self.batchSize = max(1, batchSize)
        self.originalBytes = originalBytes
        self.objectsPerImage = objectsPerImage
    }

    /// One line of the estimate.
    public struct Line: Sendable, Equatable {
        public var what: String
        public var dollars: Double
    }

    // Prices (us-east-1, x86_64, 2026), as scripts/cost.py has them.
    static let lambdaRequest = 0.20 / 1e6
    static let lambdaGBSecond = 0.000_016_6667
    static let expressRequest = 1.00 / 1e6
    static let expressGBSecond = 0.000_016_67
    static let standardTransition = 0.025 / 1000
    static let s3Put = 0.005 / 1000
    static let glacierIRGet = 0.01 / 1000
    static let glacierIRRetrievalGB = 0.03
    static let dynamoRead = 0.125 / 1e6
    static let dynamoWrite = 0.625 / 1e6
    // Durations as billed (bench/results/MEMORY.md), memory as the template gives it.
    static let resizeGBSeconds = 1.280 * 1.401
    static let thumbnailGBSeconds = 1.769 * 1.035
    static let settleGBSeconds = 0.256 * 0.05

    /// The estimate, line by line.
    public var lines: [Line] {
        let all = Double(images + skipped)
        let rendered = Double(images)
        let batches = (all / Double(batchSize)).rounded(.up)
        // Plan for every image; resize, thumbnail and commit for those rendered; one batch step.
        let invocations = all + 3 * rendered + batches
        let compute =
            rendered * (Self.resizeGBSeconds + Self.thumbnailGBSeconds + Self.settleGBSeconds)
            + all * Self.settleGBSeconds
        // A child runs its batch ten at a time, about 2.5 s a round, at 64 MB.
        let childSeconds = (Double(batchSize) / 10).rounded(.up) * 2.5
        // The parent: a transition per child started and finished, and a handful per part.
        return [
            Line(what: "Lambda requests", dollars: invocations * Self.lambdaRequest),
            Line(what: "Lambda compute", dollars: compute * Self.lambdaGBSecond),
            Line(
                what: "Step Functions (Express children, Standard parent)",
                dollars: batches * (Self.expressRequest + 0.0625 * childSeconds * Self.expressGBSecond)
                    + (2 * batches + 8) * Self.standardTransition),
            Line(
                what:
                    "S3 (the original read back from GLACIER_IR by each variant function, every variant written: at most)",
                dollars: rendered
                    * (2 * Self.glacierIRGet + 2 * originalBytes / 1e9 * Self.glacierIRRetrievalGB
                        + Double(objectsPerImage) * Self.s3Put)),
            Line(
                what: "DynamoDB (scan, reads, one conditional write)",
                // The scan reads a ~4 KB record at half a unit; the plan and both variant
                // functions read it strongly; the commit reads it and writes it (4 KB: 4 units).
                dollars: all * (0.5 + 1) * Self.dynamoRead + rendered * (3 * Self.dynamoRead + 4 * Self.dynamoWrite)),
        ]
    }

    /// The whole estimate in dollars.
    public var dollars: Double { lines.map(\.dollars).reduce(0, +) }
}
