extension ImageJob {
    /// One job from the outputs of stages that ran in parallel on the same image (a Step Functions
    /// `Parallel` state's array): variants joined (by key), and what any branch added kept.
    /// - Throws: `PipelineError` `.fault` when the jobs are of different images or there are none.
    public static func merging(_ branches: [ImageJob]) throws -> ImageJob {
        guard var merged = branches.first else { throw PipelineError(.fault, "nothing to merge") }
        for branch in branches.dropFirst() {
            guard branch.imageId == merged.imageId else {
                throw PipelineError(.fault, "cannot merge jobs of images \(merged.imageId) and \(branch.imageId)")
            }
            merged.format = merged.format ?? branch.format
            merged.contentType = merged.contentType ?? branch.contentType
            merged.sha256 = merged.sha256 ?? branch.sha256
            merged.metadata = merged.metadata ?? branch.metadata
            merged.moderation = merged.moderation ?? branch.moderation
            merged.archive = merged.archive ?? branch.archive
            for variant in branch.variants where !merged.variants.contains(where: { $0.key == variant.key }) {
                merged.variants.append(variant)
            }
        }
        return merged
    }
}
