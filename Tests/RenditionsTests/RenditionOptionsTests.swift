import MediaTypes
import Testing

@testable import Renditions

@Suite struct RenditionOptionsTests {
    @Test func segmentsParseAndPrintInOneOrder() throws {
        let options = try RenditionOptions.parse(["f:webp", "q:70", "rs:cover:480:320"])
        #expect(options == RenditionOptions(fit: .cover, width: 480, height: 320, quality: 70, format: .fixed(.webp)))
        #expect(options.segments == ["rs:cover:480:320", "q:70", "f:webp"])
        #expect(try RenditionOptions.parse(options.segments) == options)
        #expect(try RenditionOptions.parse(["pr:card"]).segments == ["pr:card"])
        let versioned = try RenditionOptions.parse(["v:1a2b3c4d", "pr:card"])
        #expect(versioned.version == "1a2b3c4d" && versioned.segments == ["pr:card", "v:1a2b3c4d"])
        for bad in [["v:"], ["v:ABC"], ["v:" + String(repeating: "a", count: 17)], ["v:a", "v:b"]] {
            #expect(throws: RenditionError.self, "\(bad)") { try RenditionOptions.parse(bad) }
        }
    }

    @Test(arguments: [
        ["rs:fit:480"], ["rs:crop:1:1"], ["rs:fit:-1:0"], ["rs:fit:0480:0"], ["rs:fit:1e3:0"], ["q:0"], ["q:101"],
        ["q:80", "q:70"], ["f:gif"], ["f:jpg"], ["w:100"], ["pr:no/pe"], ["pr:"], ["rs:fit:1000000:0"], [""],
    ])
    func malformedOptionsAreRefused(_ segments: [String]) {
        #expect(throws: RenditionError.self) { try RenditionOptions.parse(segments) }
        do {
            _ = try RenditionOptions.parse(segments)
        } catch let error as RenditionError {
            #expect(error.code == .badOptions && error.code.status == 400)
        } catch {}
    }

    @Test func aPathSplitsIntoImageSignatureOptionsAndImage() throws {
        let path = try RenditionPath.parse("/0123abcd/SIG/rs:fit:480:0/q:80/0123abcd.webp", maxLength: 512)
        #expect(path.signature == "SIG" && path.signed == "/rs:fit:480:0/q:80/0123abcd.webp")
        #expect(path.options == ["rs:fit:480:0", "q:80"] && path.imageId == "0123abcd" && path.ext == "webp")
        // The leading image must be the signed one: a path cannot be filed under another image
        // (where an erase's invalidation would not reach it).
        for bad in [
            "", "/", "/SIG", "/id/SIG", "/SIG/rs:fit:1:1/id", "/id//rs:fit:1:1/id", "/id/SIG/rs:fit:1:1//id",
            "/id/SIG/rs:fit:1:1/", "/other/SIG/rs:fit:1:1/id.webp",
        ] {
            #expect(throws: RenditionError.self, "\(bad)") { try RenditionPath.parse(bad, maxLength: 512) }
        }
        #expect {
            try RenditionPath.parse("/" + String(repeating: "a", count: 600), maxLength: 512)
        } throws: { ($0 as? RenditionError)?.code == .pathTooLong }
    }
}

@Suite struct RenditionPolicyTests {
    let policy = RenditionPolicy()

    @Test func defaultsFillWhatTheOptionsLeave() throws {
        let spec = try policy.resolve(RenditionOptions(fit: .fit, width: 480, height: 0), extension: nil)
        #expect(spec == RenditionSpec(fit: .fit, width: 480, height: 2560, quality: 80, format: .auto))
        // A crop with a free side crops nothing.
        #expect(try policy.resolve(RenditionOptions(fit: .cover, width: 300, height: 0), extension: nil).fit == .fit)
        #expect(try policy.resolve(RenditionOptions(), extension: "jpg").format == .fixed(.jpeg))
        #expect(try policy.resolve(RenditionOptions(format: .auto), extension: "avif").format == .fixed(.avif))
    }

    @Test func presetsResolveAndAreOverridden() throws {
        let card = try policy.resolve(RenditionOptions(preset: "card"), extension: nil)
        #expect(card.fit == .cover && card.width == 480 && card.height == 320)
        let lower = try policy.resolve(RenditionOptions(quality: 50, preset: "card"), extension: nil)
        #expect(lower.quality == 50 && lower.width == 480)
        #expect { try policy.resolve(RenditionOptions(preset: "nope"), extension: nil) } throws: {
            ($0 as? RenditionError)?.code == .unknownPreset
        }
    }

    @Test func outOfPolicyIsRefused() throws {
        #expect { try policy.resolve(RenditionOptions(fit: .fit, width: 2561, height: 0), extension: nil) } throws: {
            ($0 as? RenditionError)?.code == .outOfPolicy
        }
        #expect { try policy.resolve(RenditionOptions(format: .fixed(.webp)), extension: "png") } throws: {
            ($0 as? RenditionError)?.code == .badOptions
        }
        #expect { try policy.resolve(RenditionOptions(), extension: "gif") } throws: {
            ($0 as? RenditionError)?.code == .badOptions
        }
        var noAVIF = policy
        noAVIF.avif = false
        #expect { try noAVIF.resolve(RenditionOptions(), extension: "avif") } throws: {
            ($0 as? RenditionError)?.code == .outOfPolicy
        }
        let spec = try policy.resolve(RenditionOptions(fit: .fit, width: 2000, height: 2000), extension: "avif")
        #expect {
            try spec.outputFormat(accept: nil, hasAlpha: false, policy: policy, pixels: 2000 * 1600)
        } throws: { ($0 as? RenditionError)?.code == .outOfPolicy }
        // auto past the AVIF bound answers WebP.
        let auto = try policy.resolve(RenditionOptions(fit: .fit, width: 2000, height: 2000), extension: nil)
        #expect(
            try auto.outputFormat(accept: "image/avif,image/webp", hasAlpha: false, policy: policy, pixels: 3_200_000)
                == .webp)
    }

    @Test func presetsOnlyRefusesEverythingElse() throws {
        var strict = policy
        strict.presetsOnly = true
        #expect(try strict.resolve(RenditionOptions(preset: "w640"), extension: nil).width == 640)
        #expect(try strict.resolve(RenditionOptions(preset: "w640", version: "ab12"), extension: nil).width == 640)
        for options in [
            RenditionOptions(fit: .fit, width: 640, height: 0), RenditionOptions(quality: 10, preset: "w640"),
        ] {
            #expect { try strict.resolve(options, extension: nil) } throws: {
                ($0 as? RenditionError)?.code == .presetsOnly
            }
        }
    }

    @Test func presetTextParses() throws {
        let presets = try RenditionPolicy.parsePresets("thumb=rs:cover:200:200/q:75, hero=rs:fit:1600:0")
        #expect(presets.map(\.name) == ["thumb", "hero"])
        #expect(presets[0].options == RenditionOptions(fit: .cover, width: 200, height: 200, quality: 75))
        for bad in ["thumb", "thumb=q:500", "a=q:1 a=q:2", "x=pr:y", "bad name=q:1"] {
            #expect(throws: RenditionError.self, "\(bad)") { try RenditionPolicy.parsePresets(bad) }
        }
        #expect(RenditionPolicy.defaultPresets.count == 8)
    }

    @Test func theEnvironmentConfiguresThePolicy() throws {
        let policy = try RenditionPolicy.fromEnvironment([
            "DARKROOM_RENDITION_PRESETS": "a=rs:fit:100:0", "DARKROOM_RENDITION_PRESETS_ONLY": "on",
            "DARKROOM_RENDITION_MAX_SIDE": "1000", "DARKROOM_RENDITION_AVIF": "off",
        ])
        #expect(policy.presets.map(\.name) == ["a"] && policy.presetsOnly && policy.maxSide == 1000 && !policy.avif)
        for bad in [
            ["DARKROOM_RENDITION_PRESETS_ONLY": "yes"], ["DARKROOM_RENDITION_MAX_SIDE": "-3"],
            ["DARKROOM_RENDITION_PRESETS": "a=rs:fit:5000:0", "DARKROOM_RENDITION_MAX_SIDE": "1000"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try RenditionPolicy.fromEnvironment(bad) }
        }
    }
}
