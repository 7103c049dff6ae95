import AWSClient
import ArgumentParser
import FoundationEssentials
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
            printError("\(file): \(error)\n")
            throw ExitCode(error.code == .rejected ? 2 : 1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if json {
            encoder.outputFormatting.insert(.prettyPrinted)
            print(String(decoding: try encoder.encode(metadata), as: UTF8.self))
        } else {
            // The same fields, one per line, leaving out what the image does not say.
            let object = try JSONDecoder().decode([String: JSONValue].self, from: try encoder.encode(metadata))
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                let shown: String
                switch value {
                case .null: continue
                case .string(let text): shown = text
                case .bool(let flag): shown = "\(flag)"
                case .int(let number): shown = "\(number)"
                case .double(let number): shown = "\(number)"
                case .array, .object: shown = String(decoding: try encoder.encode(value), as: UTF8.self)
                }
                print(key + String(repeating: " ", count: max(1, 17 - key.count)) + shown)
            }
        }
    }
}
