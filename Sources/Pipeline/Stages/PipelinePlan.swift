/// The order the stages run in, as the state machine (`statemachine/pipeline.asl.json`) runs them:
/// the stages of a step side by side, each step after the one before. The CLI's in-process flow
/// runs this; the local stack runs the state machine itself; `PipelinePlanTests` reads the state
/// machine and holds the two together.
public enum PipelinePlan {
    /// validate, then metadata and moderate, then resize and thumbnail, then archive.
    public static let steps: [[StageName]] = [[.validate], [.metadata, .moderate], [.resize, .thumbnail], [.archive]]

    /// What an image that moderation flagged skips: it goes straight to archive, which sets it aside.
    public static let skippedWhenFlagged: Set<StageName> = [.resize, .thumbnail]
}
