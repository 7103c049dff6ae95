import AWSClient
import ArgumentParser
import FoundationEssentials

struct PresignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presign",
        abstract: "Print a presigned URL for an S3 object.",
        discussion: """
            Credentials and region come from the usual places (AWS_ACCESS_KEY_ID and friends, \
            AWS_PROFILE and the shared files, the container endpoint; AWS_REGION); AWS_ENDPOINT_URL \
            and AWS_ENDPOINT_URL_S3 point it at another server.
            """)

    @Argument(help: "s3://BUCKET/KEY")
    var object: String

    @Option(help: "Seconds the URL stays valid (1 to 604800).")
    var expires = 3_600

    @Flag(help: "A URL to upload with (PUT) instead of download.")
    var put = false

    func validate() throws {
        guard S3URI(object) != nil else { throw ValidationError("expected s3://BUCKET/KEY, got \(object)") }
        guard (1...604_800).contains(expires) else { throw ValidationError("--expires must be 1 to 604800 seconds") }
    }

    func run() throws {
        guard let uri = S3URI(object) else { throw ValidationError("expected s3://BUCKET/KEY") }
        do {
            let s3 = try AWSClients(environment: AWSEnvironment()).s3
            print(try s3.presignedURL(method: put ? "PUT" : "GET", bucket: uri.bucket, key: uri.key, expires: expires))
        } catch let error as AWSError {
            printError("darkroom presign: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// `s3://BUCKET/KEY` (or `s3://BUCKET/PREFIX`), the key taken as written.
struct S3URI: Equatable {
    var bucket: String
    var key: String

    init?(_ text: String) {
        guard text.hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
        bucket = String(rest[..<slash])
        key = String(rest[rest.index(after: slash)...])
    }
}
