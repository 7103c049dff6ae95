/// What starts an image's processing again: the state machine in AWS (``StepFunctionsStarter``),
/// or the stages in this process (the CLI without a state machine).
public protocol ExecutionStarter: Sendable {
    /// Starts processing `source` again; `attempt` counts the restarts (1 for the first).
    func start(_ source: SourceObject, attempt: Int) async throws
}
