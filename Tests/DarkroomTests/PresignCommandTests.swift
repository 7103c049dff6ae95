import DarkroomTestSupport
import Foundation
import Testing

@testable import AWSClient
import HTTPMessage

/// `darkroom presign`, run as a user runs it, against the signature-checking double.
@Suite struct PresignCommandTests {
    func darkroom(_ arguments: [String], environment: [String: String]) throws -> (
        status: Int32, out: String, err: String
    ) {
        let run = try Command.darkroom(arguments, environment: environment)
        return (run.status, run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), run.stderr)
    }

    @Test func aPresignedURLForAnAwkwardKeyDownloadsTheObject() throws {
        let stack = try #require(LocalAWS.stack)
        let s3 = try stack.clients().s3
        let bucket = unique("presign")
        _ = try s3.client.send(AWSRequest(method: "PUT", path: "/\(bucket)"))
        let key = "uploads/summer 2026/beach+sunset é.jpg"
        try s3.putObject(bucket: bucket, key: key, body: Array("the photo".utf8))

        let environment = [
            "AWS_ACCESS_KEY_ID": stack.credentials.accessKeyId,
            "AWS_SECRET_ACCESS_KEY": stack.credentials.secretAccessKey,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": stack.info["double"] ?? "", "HOME": "/nonexistent",
        ]
        let run = try darkroom(["presign", "s3://\(bucket)/\(key)", "--expires", "120"], environment: environment)
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("X-Amz-Expires=120") && !run.out.contains(stack.credentials.secretAccessKey))
        let (data, response) = try fetch(run.out)
        #expect(response == 200 && String(decoding: data, as: UTF8.self) == "the photo")

        let upload = try darkroom(
            ["presign", "s3://\(bucket)/uploads/new one+.jpg", "--put"], environment: environment)
        #expect(upload.status == 0)
        #expect(try fetch(upload.out, method: "PUT", body: Data("uploaded".utf8)).1 == 200)
        #expect(try s3.getObject(bucket: bucket, key: "uploads/new one+.jpg").body == Array("uploaded".utf8))

        let bad = try darkroom(["presign", "not-an-s3-uri"], environment: environment)
        #expect(bad.status != 0 && bad.err.contains("s3://"))
        let noCredentials = try darkroom(
            ["presign", "s3://b/k"], environment: ["AWS_REGION": "us-east-1", "HOME": "/nonexistent"])
        #expect(noCredentials.status == 1 && noCredentials.err.contains("credentials"))
    }

    func fetch(_ url: String, method: String = "GET", body: Data = Data()) throws -> (Data, Int) {
        let response = try HTTPClient().send(HTTPRequest(method: method, url: url, body: [UInt8](body)))
        return (Data(response.body), response.status)
    }
}
