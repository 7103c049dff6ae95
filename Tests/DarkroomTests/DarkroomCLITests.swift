import Foundation
import ImageCore
import Pipeline
import DarkroomTestSupport
import Testing

/// The `darkroom` executable, run as a user runs it.
@Suite(.serialized) struct DarkroomCLITests {
    static func darkroom(_ arguments: [String]) throws -> Command { try Command.darkroom(arguments) }

    static func results(_ run: Command) throws -> [String: [String: Any]] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for object in array {
            let input = try #require(object["input"] as? String)
            byName[URL(fileURLWithPath: input).lastPathComponent] = object
        }
        return byName
    }

    static let expectedRejections = [
        "empty.jpg": "empty", "text.jpg": "unsupported_format", "external.svg": "unsupported_format",
        "document.pdf": "unsupported_format", "bomb.png": "too_many_pixels", "bomb.jpg": "too_many_pixels",
        "truncated.jpg": "corrupt", "fax.tif": "unsupported_format", "zstd.tif": "unsupported_format",
        "tiles-separate-planes.tif": "unsupported_format",
    ]

    @Test func processTheFixtureFolder() throws {
        let out = try TemporaryFolder()
        let run = try Self.darkroom(["process", Paths.fixtures, "--out", out.path, "--json", "--jobs", "2"])
        #expect(run.status == 0, "exit \(run.status): \(run.stderr)")
        let results = try Self.results(run)
        let fixtureCount = try FileManager.default.contentsOfDirectory(atPath: Paths.fixtures).count
        #expect(results.count == fixtureCount)
        for (name, result) in results {
            if let reason = Self.expectedRejections[name] {
                #expect(result["status"] as? String == "REJECTED", "\(name)")
                #expect(result["reason"] as? String == reason, "\(name): \(result["reason"] ?? "nil")")
                #expect((result["variants"] as? [Any])?.isEmpty == true)
                #expect(!FileManager.default.fileExists(atPath: out.path + "/" + (result["imageId"] as? String ?? "?")))
            } else {
                #expect(result["status"] as? String == "COMPLETED", "\(name): \(result["detail"] ?? "")")
                #expect(result["reason"] is NSNull)
                #expect((result["variants"] as? [Any])?.count == 6, "\(name)")
            }
            for key in ["input", "imageId", "status", "reason", "variants", "metadata"] {
                #expect(result.keys.contains(key), "\(name) lacks \(key)")
            }
        }

        // The orientation-6 photo: upright variants of the right sizes with no metadata, and an
        // accurate record.
        let photo = try #require(results["orientation-6.jpg"])
        let metadata = try #require(photo["metadata"] as? [String: Any])
        #expect(metadata["width"] as? Int == 64 && metadata["height"] as? Int == 48)
        #expect(metadata["make"] as? String == "DarkroomCam" && metadata["orientation"] as? Int == 6)
        #expect(metadata["taken_at"] as? String == "2024-06-01T14:03:22")
        #expect(abs((metadata["gps_latitude"] as? Double ?? 0) - 48.8581667) < 1e-6)
        #expect((metadata["phash"] as? String)?.count == 16 && (metadata["sha256"] as? String)?.count == 64)
        for variant in try #require(photo["variants"] as? [[String: Any]]) {
            let path = try #require(variant["path"] as? String)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes.count == variant["bytes"] as? Int)
            let header = try ImageHeader.read(ImageSource(bytes), limits: ImageLimits())
            #expect(header.width == variant["width"] as? Int && header.height == variant["height"] as? Int)
            #expect(header.exif == nil && header.orientation == 1, "\(path) keeps metadata")
            #expect(header.width >= header.height, "\(path) is not upright")
        }
        let folder = out.path + "/" + (photo["imageId"] as? String ?? "?")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(
            Set(files) == [
                "large.jpg", "large.webp", "small.jpg", "medium.jpg", "large-thumb.jpg", "square.jpg", "original.jpg",
                "metadata.json",
            ])

        let sheet = try String(contentsOfFile: out.path + "/index.html", encoding: .utf8)
        #expect(sheet.contains("too_many_pixels") && sheet.contains("medium.jpg") && sheet.contains("DarkroomCam"))
        #expect(!sheet.contains("<svg"), "input names and reasons must be escaped")

        // Nothing half-written anywhere.
        let everything = FileManager.default.subpaths(atPath: out.path) ?? []
        #expect(!everything.contains { $0.contains(".tmp-") })

        // A second run over unchanged inputs does no image work and says so.
        let modified =
            try FileManager.default.attributesOfItem(atPath: folder + "/large.jpg")[.modificationDate] as? Date
        let again = try Self.darkroom(["process", Paths.fixtures, "--out", out.path, "--json"])
        #expect(again.status == 0)
        #expect(try Self.results(again).values.allSatisfy { $0["unchanged"] as? Bool == true })
        #expect(again.stderr.contains("unchanged"))
        #expect(
            try FileManager.default.attributesOfItem(atPath: folder + "/large.jpg")[.modificationDate] as? Date
                == modified)
    }

    @Test func realCameraPhotos() throws {
        let out = try TemporaryFolder()
        // The photos, not samples/bad (the demo's bad inputs).
        let photos = try FileManager.default.contentsOfDirectory(atPath: Paths.samples).filter { $0.hasSuffix(".jpg") }
        #expect(photos.count == 3)
        let run = try Self.darkroom(
            ["process"] + photos.map { Paths.samples + "/" + $0 } + ["--out", out.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        for (name, result) in try Self.results(run) where name.hasSuffix(".jpg") {
            #expect(result["status"] as? String == "COMPLETED", "\(name)")
            let variants = try #require(result["variants"] as? [[String: Any]])
            let large = try #require(
                variants.first { $0["name"] as? String == "large" && $0["format"] as? String == "jpeg" })
            #expect(
                large["width"] as? Int == 1024 || large["height"] as? Int == 768,
                "\(name): large is not fitted to 1024x768")
            let square = try #require(variants.first { $0["name"] as? String == "square" })
            #expect(square["width"] as? Int == 200 && square["height"] as? Int == 200)
            let metadata = try #require(result["metadata"] as? [String: Any])
            #expect(metadata["make"] is String && metadata["taken_at"] is String, "\(name) lost its camera fields")
        }
    }

    @Test func customVariantsAndWatermark() throws {
        let out = try TemporaryFolder()
        let run = try Self.darkroom([
            "process", Paths.fixtures + "/orientation-1.jpg", "--out", out.path, "--json",
            "--variants", "resize:poster=32x32:png:watermark", "--watermark-text", "D",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(try Self.results(run)["orientation-1.jpg"])
        let variants = try #require(result["variants"] as? [[String: Any]])
        #expect(
            variants.count == 1 && variants[0]["name"] as? String == "poster"
                && variants[0]["format"] as? String == "png")
        #expect(variants[0]["width"] as? Int == 32 && variants[0]["height"] as? Int == 24)
    }

    @Test func badUsageExitsNonZero() throws {
        let out = try TemporaryFolder()
        let badSpec = try Self.darkroom(["process", Paths.fixtures, "--out", out.path, "--variants", "resize:x=0"])
        #expect(badSpec.status != 0 && badSpec.stderr.contains("DARKROOM_VARIANTS"))
        let missing = try Self.darkroom(["process", "/no/such/photo.jpg", "--out", out.path])
        #expect(missing.status != 0 && missing.stderr.contains("/no/such/photo.jpg"))
    }

    /// `adopt` refuses what is not an S3 location, and an inventory that is not a report's manifest,
    /// before it calls AWS.
    @Test func adoptChecksItsSourcesFirst() throws {
        for (arguments, says) in [
            (["adopt", "photos/2019/"], "s3://BUCKET/PREFIX"), (["adopt", "s3:///x"], "names no bucket"),
            (["adopt", "s3://photos/", "--inventory", "s3://photos/inv/data.csv.gz"], "manifest.json"),
            (["adopt", "s3://photos/", "--batch-size", "0"], "batchSize"),
        ] {
            let refused = try Self.darkroom(arguments)
            #expect(refused.status == 64 && refused.stderr.contains(says), "\(arguments): \(refused.stderr)")
        }
    }

    /// A fault (here: the image's output folder cannot be made) ends FAILED, with a non-zero exit.
    @Test func aFaultEndsFailedAndExitsNonZero() throws {
        let out = try TemporaryFolder()
        let input = Paths.fixtures + "/orientation-1.jpg"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input)))
        let source = SourceObject(
            bucket: "local", key: String(input.dropFirst()), etag: ContentHash.sha256Hex(bytes), size: bytes.count)
        let imageId = ImageJob.imageId(for: source)
        #expect(FileManager.default.createFile(atPath: out.path + "/" + imageId, contents: Data("in the way".utf8)))
        let run = try Self.darkroom(["process", input, "--out", out.path, "--json"])
        #expect(run.status == 1)
        let result = try #require(try Self.results(run)["orientation-1.jpg"])
        #expect(result["status"] as? String == "FAILED" && result["imageId"] as? String == imageId)
        #expect((result["detail"] as? String)?.isEmpty == false)
    }

    @Test func inspectPrintsMetadata() throws {
        let run = try Self.darkroom(["inspect", Paths.fixtures + "/orientation-3.jpg", "--json"])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["orientation"] as? Int == 3 && object["model"] as? String == "Fixture One")
        let rejected = try Self.darkroom(["inspect", Paths.fixtures + "/document.pdf"])
        #expect(rejected.status != 0 && rejected.stderr.contains("PDF"))
    }
}
