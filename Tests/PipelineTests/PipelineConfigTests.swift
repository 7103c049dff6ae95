import Testing
import Pipeline

@Suite struct PipelineConfigTests {
    private let required = [
        "DARKROOM_TABLE": "images", "DARKROOM_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:outcomes",
        "DARKROOM_DERIVED_BUCKET": "derived", "DARKROOM_ARCHIVE_BUCKET": "archive",
    ]

    @Test func theArchiveStorageClassIsReadAndCheckedByName() throws {
        #expect(try PipelineConfig.fromEnvironment(required).config.archiveStorageClass == nil)
        var environment = required
        environment["DARKROOM_ARCHIVE_STORAGE_CLASS"] = "GLACIER_IR"
        #expect(try PipelineConfig.fromEnvironment(environment).config.archiveStorageClass == "GLACIER_IR")
        // A class that needs a restore before the original can be read again is refused, by name.
        environment["DARKROOM_ARCHIVE_STORAGE_CLASS"] = "DEEP_ARCHIVE"
        let error = #expect(throws: PipelineError.self) { try PipelineConfig.fromEnvironment(environment) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("DARKROOM_ARCHIVE_STORAGE_CLASS") == true)
        #expect(error?.message.contains("DEEP_ARCHIVE") == true)
    }
}
