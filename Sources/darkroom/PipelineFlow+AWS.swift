import ImageCore
import PipelineAWS
import PixelStages

extension PipelineFlow {
    /// `s3://` inputs: the same stages against AWS, configured by the functions' variables.
    static func aws(environment: [String: String], watermark: Watermark?) throws -> PipelineFlow {
        let services = try AWSServices(environment: environment)
        return PipelineFlow(
            objects: services.objects, jobs: services.jobs, notifier: services.notifier, config: services.config,
            moderator: services.moderator, watermark: watermark, location: { "s3://\($0.bucket)/\($0.key)" })
    }
}
