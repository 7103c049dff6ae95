import ImageCore
import Pipeline
import DarkroomTestSupport
import Testing
import MediaTypes

@Suite struct VariantSpecTests {
    @Test func defaultsMatchTheDesign() {
        let byName = Dictionary(uniqueKeysWithValues: VariantSpec.defaults.map { ($0.name, $0) })
        #expect(byName["large"]?.width == 1024 && byName["large"]?.height == 768)
        #expect(byName["large"]?.formats == [.jpeg, .webp])
        #expect(byName["small"]?.width == 150 && byName["medium"]?.width == 300 && byName["large-thumb"]?.width == 600)
        #expect(byName["square"]?.cover == true && byName["square"]?.height == 200)
        #expect(VariantSpec.defaults.filter { $0.madeBy == .resize }.map(\.name) == ["large"])
    }

    @Test func defaultsRoundTripThroughTheSpecLanguage() throws {
        #expect(try VariantSpec.parseList(VariantSpec.defaultText) == VariantSpec.defaults)
    }

    @Test func parsesEveryOption() throws {
        let spec = try VariantSpec.parse("thumbnail:hero=800x400:cover:webp+avif:q70:watermark")
        #expect(
            spec
                == VariantSpec(
                    madeBy: .thumbnail, name: "hero", width: 800, height: 400, cover: true,
                    formats: [.webp, .avif], quality: 70, watermark: true))
        let square = try VariantSpec.parse("resize:box=320")
        #expect(square.width == 320 && square.height == 320 && square.formats == [.jpeg] && !square.cover)
        #expect(try VariantSpec.parseList("resize:a=10; thumbnail:b=20,thumbnail:c=30").map(\.name) == ["a", "b", "c"])
    }

    @Test(arguments: [
        "large=1024x768", "crop:large=10", "resize:=10", "resize:a b=10", "resize:a=0", "resize:a=10x",
        "resize:a=10x20x30",
        "resize:a=99999", "resize:a=10:gif", "resize:a=10:q0", "resize:a=10:q101", "resize:../x=10",
    ])
    func malformedEntriesAreRefusedByName(_ entry: String) {
        let error = #expect(throws: PipelineError.self) { try VariantSpec.parseList(entry) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("DARKROOM_VARIANTS") == true)
    }

    @Test func duplicateNamesAndEmptyListsAreRefused() {
        #expect(throws: PipelineError.self) { try VariantSpec.parseList("resize:a=10 thumbnail:a=20") }
        #expect(throws: PipelineError.self) { try VariantSpec.parseList("  ") }
    }

    /// Variants are cached as immutable: in AWS a changed spec publishes under a new key, the same
    /// spec always under the same one; the CLI's folder keeps plain names.
    @Test func aChangedSpecGetsANewKeyInAWS() throws {
        let large = VariantSpec(madeBy: .resize, name: "large", width: 1024, height: 768, formats: [.jpeg])
        var sharper = large
        sharper.quality = 90
        let aws = StorageLayout.aws
        let key = aws.variantKey(imageId: "abc", spec: large, format: .jpeg)
        #expect(
            key.hasPrefix("derived/abc/large.") && key.hasSuffix(".jpg")
                && key.count == "derived/abc/large.12345678.jpg".count)
        #expect(aws.variantKey(imageId: "abc", spec: large, format: .jpeg) == key)
        #expect(aws.variantKey(imageId: "abc", spec: sharper, format: .jpeg) != key)
        #expect(StorageLayout.local.variantKey(imageId: "abc", spec: large, format: .jpeg) == "abc/large.jpg")
        let config = PipelineConfig(derivedBucket: "d", archiveBucket: "a", variants: [large])
        #expect(config.variantKeys(imageId: "abc") == [key])
    }

    /// Pipeline's variant formats (no libvips there) and ImageCore's encoders are two lists of one
    /// thing: they must name the same formats, content types and file extensions, or a variant
    /// format could be asked for that nothing encodes.
    @Test func variantFormatsAreExactlyTheFormatsImageCoreEncodes() {
        #expect(OutputFormat.allCases.map(\.rawValue) == OutputFormat.allCases.map(\.rawValue))
        for format in OutputFormat.allCases {
            let encoder = OutputFormat(rawValue: format.rawValue)
            #expect(
                encoder?.contentType == format.contentType && encoder?.fileExtension == format.fileExtension,
                "\(format)")
        }
    }
}
