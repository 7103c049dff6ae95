/// The six stages, by the names the state machine, the records and the logs use.
public enum StageName: String, Sendable, Codable, CaseIterable {
    case validate, metadata, resize, thumbnail, moderate, archive
}

/// One step of the pipeline: a plain type with one entry point that takes a job and returns it with
/// what the stage added. A stage does not know whether it runs in Lambda, Step Functions or the CLI;
/// status tracking is the ``StageRunner``'s.
public protocol Stage: Sendable {
    var name: StageName { get }
    /// - Throws: `PipelineError` `.rejected` with a reason for bad input; any other error is a fault.
    func run(_ job: ImageJob) async throws -> ImageJob
    /// The final status a success of this stage leaves the image in, or nil to stay PROCESSING.
    func finalStatus(after job: ImageJob) -> JobStatus?
    /// Whether the image's record begins with this stage (the first of `PipelinePlan`).
    var opensTheRecord: Bool { get }
    /// Whether this stage makes something public (variants), so must first see that the image is
    /// not already final.
    var publishes: Bool { get }
}

extension Stage {
    public func finalStatus(after job: ImageJob) -> JobStatus? { nil }
    public var opensTheRecord: Bool { name == PipelinePlan.steps.first?.first }
    public var publishes: Bool { false }
}
