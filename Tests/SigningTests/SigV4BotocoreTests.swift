import Foundation
import Testing

@testable import Signing
import DarkroomTestSupport

/// 1,200 generated requests (awkward S3 keys, query strings, headers with odd spacing, session
/// tokens, path-style and virtual-hosted hosts, presigned URLs) signed by botocore and by Darkroom's
/// signer: every signature must be the same.
@Suite struct SigV4BotocoreTests {
    struct Vector: Decodable {
        var kind: String
        var service: String
        var region: String
        var method: String
        var host: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var payload_hash: String
        var access_key: String
        var secret_key: String
        var token: String?
        var expires: Int?
        var time: String
        var signature: String
    }

    static func vectors(count: Int, seed: Int) throws -> [Vector] {
        let script = Paths.repository.appendingPathComponent("scripts/sigv4-vectors.py").path
        let run = try Command.run(["python3", script, String(count), String(seed)])
        try #require(run.status == 0, "sigv4-vectors.py failed (is botocore installed?): \(run.stderr)")
        return try run.output.split(separator: UInt8(ascii: "\n")).map {
            try JSONDecoder().decode(Vector.self, from: Data($0))
        }
    }

    @Test func signaturesMatchBotocore() throws {
        let vectors = try Self.vectors(count: 1_200, seed: 20_261_126)
        #expect(vectors.count == 1_200)
        var mismatches: [String] = []
        for vector in vectors {
            let credentials = Credentials(
                accessKeyId: vector.access_key, secretAccessKey: vector.secret_key, sessionToken: vector.token)
            let signer =
                vector.service == "s3"
                ? SigV4Signer.forS3(credentials: credentials, region: vector.region)
                : SigV4Signer(credentials: credentials, region: vector.region, service: vector.service)
            let request = SigV4Signer.Request(
                method: vector.method, host: vector.host, path: vector.path,
                query: vector.query.map { ($0[0], $0[1]) }, headers: vector.headers.map { ($0[0], $0[1]) },
                payloadHash: vector.payload_hash)
            let date = try #require(AWSTime.parse(vector.time))
            let signature: String
            if vector.kind == "presign" {
                let query = signer.presignedQuery(request, date: date, expires: vector.expires ?? 0)
                signature = String(query.split(separator: "=").last ?? "")
            } else {
                let authorization = signer.sign(request, date: date).first { $0.name == "authorization" }?.value ?? ""
                signature = String(authorization.split(separator: "=").last ?? "")
            }
            if signature != vector.signature {
                mismatches.append("\(vector.kind) \(vector.method) \(vector.host)\(vector.path)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, first: \(mismatches.prefix(5))")
    }
}
