import Foundation
import MediaTypes
import Pipeline
import Rendering
import Testing

@testable import Renditions

/// Renditions made by the real service from real images the real stages processed (docs/renditions.md).
@Suite(.serialized) struct RenderServiceTests {
    /// Portrait, landscape, small, extreme (100:1 both ways), square, and larger than most boxes.
    static let shapes = [(3000, 4000), (4000, 3000), (90, 60), (6000, 60), (60, 6000), (800, 800), (2560, 1600)]
    static let boxes = [(480, 0), (0, 480), (480, 480), (333, 777), (1600, 900), (10, 10), (2560, 2560)]

    @Test func fitsExactlyAndNeverEnlarges() async throws {
        let fixture = try RenderFixture()
        for (width, height) in Self.shapes {
            let record = try await fixture.process(width: width, height: height)
            for (boxWidth, boxHeight) in Self.boxes {
                let options = RenditionOptions(fit: .fit, width: boxWidth, height: boxHeight, format: .fixed(.jpeg))
                let response = await fixture.get(fixture.path(options, record.imageId))
                #expect(response.status == 200, "\(width)x\(height) into \(boxWidth)x\(boxHeight)")
                let size = try RenderFixture.size(response.body)
                let (w, h) = (Double(width), Double(height))
                let limitW = Double(boxWidth == 0 ? 2560 : boxWidth)
                let limitH = Double(boxHeight == 0 ? 2560 : boxHeight)
                let scale = min(limitW / w, limitH / h, 1)
                let label = "\(width)x\(height) into \(boxWidth)x\(boxHeight): \(size.width)x\(size.height)"
                // Inside the box and the original; the binding side exactly; the shape kept to a pixel.
                #expect(Double(size.width) <= min(limitW, w) && Double(size.height) <= min(limitH, h), "\(label)")
                #expect(
                    size.width == Int(min(limitW, w)) || size.height == Int(min(limitH, h))
                        || (size.width, size.height) == (width, height), "\(label)")
                #expect(
                    abs(Double(size.width) - w * scale) <= 1 && abs(Double(size.height) - h * scale) <= 1, "\(label)")
            }
        }
    }

    @Test func coverCropsAreExact() async throws {
        let fixture = try RenderFixture()
        for (width, height) in Self.shapes {
            let record = try await fixture.process(width: width, height: height)
            for (boxWidth, boxHeight) in [(200, 200), (480, 320), (320, 480), (50, 10)] {
                let options = RenditionOptions(fit: .cover, width: boxWidth, height: boxHeight)
                let response = await fixture.get(fixture.path(options, record.imageId, ext: "webp"))
                let size = try RenderFixture.size(response.body)
                let label = "\(width)x\(height) cover \(boxWidth)x\(boxHeight): \(size.width)x\(size.height)"
                if width >= boxWidth && height >= boxHeight {
                    #expect(size.width == boxWidth && size.height == boxHeight, "\(label)")
                } else {
                    // Never enlarged: the largest box of that shape the image can fill.
                    #expect(size.width <= width && size.height <= height, "\(label)")
                    let shape = Double(boxWidth) / Double(boxHeight)
                    #expect(abs(Double(size.width) / Double(size.height) - shape) < 0.1 * shape, "\(label)")
                }
            }
        }
    }

    @Test func everyPresetRenders() async throws {
        let fixture = try RenderFixture()
        let record = try await fixture.process(width: 2560, height: 1600)
        for preset in RenditionPolicy.defaultPresets {
            let response = await fixture.get(fixture.path(RenditionOptions(preset: preset.name), record.imageId))
            #expect(response.status == 200, "\(preset.name)")
            let size = try RenderFixture.size(response.body)
            let box = (preset.options.width ?? 0, preset.options.height ?? 0)
            #expect(box.0 == 0 || size.width <= box.0, "\(preset.name)")
            #expect(box.1 == 0 || size.height <= box.1, "\(preset.name)")
            #expect(size.width == box.0 || size.height == box.1, "\(preset.name): \(size.width)x\(size.height)")
        }
    }

    @Test func autoAnswersByAcceptAndSaysSo() async throws {
        let fixture = try RenderFixture()
        let photo = try await fixture.process(width: 1200, height: 800)
        let auto = fixture.path(RenditionOptions(fit: .fit, width: 480, height: 0), photo.imageId)
        for (accept, type, format) in [
            ("image/avif,image/webp,*/*", "image/avif", ImageFormat.avif), ("image/webp,*/*", "image/webp", .webp),
            ("*/*", "image/jpeg", .jpeg), (nil, "image/jpeg", .jpeg),
        ] {
            let response = await fixture.get(auto, accept: accept)
            #expect(response.status == 200 && response.headers["Content-Type"] == type, "\(accept ?? "none")")
            #expect(response.headers["Vary"] == "Accept")
            #expect(response.headers["Cache-Control"]?.contains("immutable") == true)
            #expect(response.headers["Cache-Control"]?.contains("s-maxage=31536000") == true)
            #expect(try RenderFixture.size(response.body).format == format, "\(accept ?? "none")")
        }
        // An explicit extension wins over Accept, and the answer does not vary.
        let named = await fixture.get(
            fixture.path(RenditionOptions(fit: .fit, width: 480, height: 0), photo.imageId, ext: "png"),
            accept: "image/avif")
        #expect(named.headers["Content-Type"] == "image/png" && named.headers["Vary"] == nil)
        // An image with alpha never becomes JPEG.
        let clear = try await fixture.process(width: 300, height: 200, alpha: true)
        let alpha = await fixture.get(
            fixture.path(RenditionOptions(fit: .fit, width: 100, height: 0), clear.imageId), accept: "*/*")
        #expect(alpha.headers["Content-Type"] == "image/png")
    }

    @Test func aRequestTheLargeVariantCoversNeverReadsTheOriginal() async throws {
        let fixture = try RenderFixture()
        let record = try await fixture.process(width: 2560, height: 1600)
        let variants = try #require(record.job?.variants)
        let largeJPEG = try #require(variants.first { $0.name == "large" && $0.format == "jpeg" })
        let largeThumb = try #require(variants.first { $0.name == "large-thumb" })
        for (box, expected) in [
            ((480, 480), largeThumb.key), ((600, 0), largeThumb.key), ((1000, 0), largeJPEG.key),
            ((1024, 768), largeJPEG.key), ((1600, 0), record.source.key), ((0, 1000), record.source.key),
        ] {
            fixture.reads.clear()
            let response = await fixture.get(
                fixture.path(RenditionOptions(fit: .fit, width: box.0, height: box.1), record.imageId, ext: "jpg"))
            #expect(response.status == 200)
            #expect(fixture.reads.read == [expected], "\(box): read \(fixture.reads.read)")
        }
        // A crop from a fit-inside variant: the smallest that covers the crop's scaled size (a
        // 400x400 crop of 2560x1600 needs 640x400 before cropping: large-thumb's 600x375 is short).
        fixture.reads.clear()
        _ = await fixture.get(fixture.path(RenditionOptions(preset: "square"), record.imageId))
        #expect(fixture.reads.read == [largeJPEG.key])
    }

    @Test func aCropIsASourceOnlyWhenItIsTheWholePicture() async throws {
        let fixture = try RenderFixture()
        // A square original: its 200x200 "square" crop is the whole picture, and the smallest that
        // covers a 180 px box.
        let square = try await fixture.process(width: 800, height: 800)
        let squareVariant = try #require(square.job?.variants.first { $0.name == "square" })
        fixture.reads.clear()
        _ = await fixture.get(fixture.path(RenditionOptions(fit: .fit, width: 180, height: 180), square.imageId))
        #expect(fixture.reads.read == [squareVariant.key])
        // A landscape: its square crop has lost the sides; the 300 px medium is read instead.
        let wide = try await fixture.process(width: 2560, height: 1600)
        let medium = try #require(wide.job?.variants.first { $0.name == "medium" })
        fixture.reads.clear()
        _ = await fixture.get(fixture.path(RenditionOptions(fit: .fit, width: 180, height: 180), wide.imageId))
        #expect(fixture.reads.read == [medium.key])
    }

    @Test func signaturesAreChecked() async throws {
        let fixture = try RenderFixture()
        let record = try await fixture.process(width: 800, height: 600)
        let good = fixture.path(RenditionOptions(preset: "w320"), record.imageId)
        #expect(await fixture.get(good).status == 200)
        let otherKey = try RenditionKeys(current: Array("another deployment's key, 32 bytes long".utf8))
        let refused = [
            good.replacingOccurrences(of: "w320", with: "w640"),  // tampered
            "/pr:w320/\(record.imageId)",  // unsigned
            "/AAAA/pr:w320/\(record.imageId)",  // a made-up signature
            fixture.path(RenditionOptions(preset: "w320"), record.imageId, keys: otherKey),
        ]
        for path in refused {
            let response = await fixture.get(path)
            #expect(response.status == 403 && RenderFixture.code(response) == "bad_signature", "\(path)")
            #expect(response.headers["Content-Type"] == "application/problem+json")
        }
    }

    @Test func aRotationKeepsOldURLsAndLearnsTheNewKey() async throws {
        let fixture = try RenderFixture()
        let record = try await fixture.process(width: 800, height: 600)
        let newKey = Array("the key after the rotation, 32 bytes or more".utf8)
        let rotated = try RenditionKeys(current: newKey, previous: RenderFixture.key)
        let rereads = Counter()
        // A process started before the rotation: it holds only the old key, and reads both again
        // when a signature matches neither.
        let service = RenderService(
            policy: RenditionPolicy(),
            keyring: RenditionKeyring(
                fixture.keys,
                reload: {
                    rereads.add(); return rotated
                }, minimumInterval: .zero),
            catalog: fixture.catalog, objects: fixture.reads, specs: VariantSpec.defaults, limits: .init(),
            maxSourceBytes: 50_000_000)
        let old = fixture.path(RenditionOptions(preset: "w320"), record.imageId)
        let new = fixture.path(RenditionOptions(preset: "w320"), record.imageId, keys: rotated)
        #expect(await service.handle(RenderRequest(method: "GET", path: old)).status == 200)
        #expect(rereads.value == 0)
        #expect(await service.handle(RenderRequest(method: "GET", path: new)).status == 200)
        #expect(rereads.value == 1)
        #expect(await service.handle(RenderRequest(method: "GET", path: old)).status == 200)
        #expect(rereads.value == 1)
    }

    @Test func onlyCompletedImagesRender() async throws {
        let fixture = try RenderFixture()
        let photo = try await fixture.process(width: 800, height: 600)
        let bad = fixture.out.path + "/not-an-image.jpg"
        try Data("this is text, not a JPEG".utf8).write(to: URL(fileURLWithPath: bad))
        let rejected = try await fixture.process(bad)
        #expect(rejected.status == .rejected)
        for id in [rejected.imageId, String(repeating: "0", count: 32)] {
            let response = await fixture.get(fixture.path(RenditionOptions(preset: "w320"), id))
            #expect(response.status == 404 && RenderFixture.code(response) == "not_found", "\(id)")
        }
        let url = fixture.path(RenditionOptions(preset: "w320"), photo.imageId)
        #expect(await fixture.get(url).status == 200)
        try await fixture.catalog.forget(photo, at: "2026-12-02T00:00:00Z")
        #expect(await fixture.get(url).status == 404)
    }

    @Test func limitsAnswer400And413() async throws {
        let fixture = try RenderFixture()
        let record = try await fixture.process(width: 2560, height: 1600)
        for (options, ext, code) in [
            (RenditionOptions(fit: .fit, width: 4000, height: 0), nil as String?, "out_of_policy"),
            (RenditionOptions(fit: .fit, width: 2560, height: 2560), "avif", "out_of_policy"),
            (RenditionOptions(preset: "nope"), nil, "unknown_preset"),
            (RenditionOptions(format: .fixed(.webp)), "png", "bad_options"),
        ] {
            let response = await fixture.get(fixture.path(options, record.imageId, ext: ext))
            #expect(response.status == 400 && RenderFixture.code(response) == code, "\(options) \(ext ?? "")")
        }
        let unknownOption =
            "/\(record.imageId)/" + fixture.keys.sign("/w:100/\(record.imageId)") + "/w:100/\(record.imageId)"
        #expect(RenderFixture.code(await fixture.get(unknownOption)) == "bad_options")
        let long =
            fixture.path(RenditionOptions(preset: String(repeating: "a", count: 32)), record.imageId)
            + String(repeating: "x", count: 500)
        #expect(RenderFixture.code(await fixture.get(long)) == "path_too_long")
        var strict = RenditionPolicy()
        strict.presetsOnly = true
        let presetsOnly = try RenderFixture(policy: strict)
        let strictRecord = try await presetsOnly.process(width: 800, height: 600)
        let free = await presetsOnly.get(
            presetsOnly.path(RenditionOptions(fit: .fit, width: 100, height: 0), strictRecord.imageId))
        #expect(free.status == 400 && RenderFixture.code(free) == "presets_only")
        #expect(
            await presetsOnly.get(presetsOnly.path(RenditionOptions(preset: "w320"), strictRecord.imageId)).status
                == 200)
        // Past what a buffered response carries: 413, never a truncated image.
        let small = try RenderFixture(maxResponseBytes: 1_000)
        let smallRecord = try await small.process(width: 800, height: 600)
        let big = await small.get(
            small.path(RenditionOptions(fit: .fit, width: 800, height: 0), smallRecord.imageId, ext: "png"))
        #expect(big.status == 413 && RenderFixture.code(big) == "rendition_too_large")
        let post = await fixture.service.handle(
            RenderRequest(method: "POST", path: fixture.path(RenditionOptions(preset: "w320"), record.imageId)))
        #expect(post.status == 405)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
