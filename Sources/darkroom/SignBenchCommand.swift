import AWSClient
import ArgumentParser
import FoundationEssentials
import Signing

/// Signs many requests and prints the rate: scripts/bench compares it with botocore's.
struct SignBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-bench", abstract: "Measure SigV4 header signatures per second.", shouldDisplay: false)

    @Option(help: "Requests to sign.")
    var count = 20_000

    func run() {
        let signer = SigV4Signer.forS3(
            credentials: Credentials(
                accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                sessionToken: "session-token"),
            region: "us-east-1")
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        var checksum = 0
        let started = ContinuousClock.now
        for index in 0..<count {
            let request = SigV4Signer.Request(
                method: "PUT", host: "darkroom-derived.s3.us-east-1.amazonaws.com",
                path: "/derived/\(index)/large photo+1.jpg",
                headers: [("Content-Type", "image/jpeg"), ("Cache-Control", "public, max-age=31536000, immutable")],
                payloadHash: SigV4Signer.emptyPayloadHash)
            checksum &+= signer.sign(request, date: date).count
        }
        let seconds = milliseconds(since: started) / 1000
        print("\(fixed(Double(count) / seconds, 0)) signatures/s (\(count) in \(fixed(seconds, 3)) s, \(checksum))")
    }
}
