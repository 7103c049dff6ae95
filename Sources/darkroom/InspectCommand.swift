import ArgumentParser
import Foundation
import ImageCore
import Pipeline
import PixelStages

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print an image's metadata (no variants are made).")

    @Argument(help: "An image file.")
    var file: String

    @Flag(help: "Print the metadata as JSON.")
    var json = false

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        let metadata: ImageMetadata
        do {
            metadata = try MetadataStage.read([UInt8](data), limits: ImageLimits())
        } catch let error as PipelineError {
            if json {
                print(#"{"status":"REJECTED","reason":"\#(error.reason ?? error.code.rawValue)"}"#)
            }
            FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            throw ExitCode(error.code == .rejected ? 2 : 1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(metadata), as: UTF8.self)
        if json {
            print(text)
        } else {
            // The same fields, one per line, leaving out what the image does not say.
            let object = (try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            for key in object.keys.sorted() where !(object[key] is NSNull) {
                print("\(key.padding(toLength: 16, withPad: " ", startingAt: 0)) \(object[key] ?? "")")
            }
        }
    }
}
