import Foundation
import Testing

@testable import AWSClient
import DarkroomTestSupport
import Signing

/// S3 against moto_server with signature checking on: every request after the set-up must carry a
/// valid signature of the IAM key the set-up created.
@Suite(.serialized) struct S3IntegrationTests {
    let stack: LocalAWS
    let s3: S3Client
    let bucket = unique("darkroom-s3")

    init() throws {
        stack = try #require(LocalAWS.stack, "local_aws.py stack did not start (moto[server] installed?)")
        s3 = try stack.clients().s3
        _ = try s3.client.send(AWSRequest(method: "PUT", path: "/\(bucket)"))
    }

    static let awkwardKeys = [
        "uploads/plain.jpg", "uploads/with space.jpg", "uploads/a+b=c~d.jpg", "uploads/100%.jpg",
        "uploads/日本/😀.jpg", "uploads//double", "uploads/trailing/", "uploads/(1) it's.jpg",
    ]

    @Test func putHeadGetWithEveryOption() throws {
        let body = Array("hello darkroom".utf8)
        let options = S3PutOptions(
            contentType: "image/jpeg", cacheControl: "public, max-age=31536000, immutable",
            metadata: ["image-id": "abc123"], serverSideEncryption: "AES256")
        let etag = try s3.putObject(bucket: bucket, key: "derived/a/large.jpg", body: body, options: options)
        #expect(etag != nil)
        let head = try s3.headObject(bucket: bucket, key: "derived/a/large.jpg")
        #expect(head.size == body.count && head.contentType == "image/jpeg")
        #expect(head.cacheControl == "public, max-age=31536000, immutable")
        #expect(head.metadata["image-id"] == "abc123" && head.serverSideEncryption == "AES256")
        let object = try s3.getObject(bucket: bucket, key: "derived/a/large.jpg")
        #expect(object.body == body)
        let range = try s3.getObject(bucket: bucket, key: "derived/a/large.jpg", range: 6...13)
        #expect(String(decoding: range.body, as: UTF8.self) == "darkroom")
    }

    @Test(arguments: awkwardKeys)
    func awkwardKeysRoundTrip(_ key: String) throws {
        try s3.putObject(bucket: bucket, key: key, body: Array(key.utf8))
        #expect(try s3.getObject(bucket: bucket, key: key).body == Array(key.utf8))
        #expect(try s3.listAllObjects(bucket: bucket, prefix: key).contains { $0.key == key })
    }

    @Test func copyKeepsOrReplacesMetadata() throws {
        try s3.putObject(
            bucket: bucket, key: "src/original.png", body: [1, 2, 3],
            options: S3PutOptions(contentType: "image/png", metadata: ["k": "v"]))
        try s3.copyObject(
            fromBucket: bucket, fromKey: "src/original.png", toBucket: bucket,
            toKey: "archive/2026/11/26/x/original.png")
        let copied = try s3.headObject(bucket: bucket, key: "archive/2026/11/26/x/original.png")
        #expect(copied.contentType == "image/png" && copied.metadata["k"] == "v")
        try s3.copyObject(
            fromBucket: bucket, fromKey: "src/original.png", toBucket: bucket, toKey: "src/replaced.png",
            replacing: S3PutOptions(contentType: "application/octet-stream", metadata: ["n": "w"]))
        let replaced = try s3.headObject(bucket: bucket, key: "src/replaced.png")
        #expect(
            replaced.contentType == "application/octet-stream" && replaced.metadata["n"] == "w"
                && replaced.metadata["k"] == nil)
        #expect(try s3.getObject(bucket: bucket, key: "src/replaced.png").body == [1, 2, 3])
    }

    @Test func listingPaginates() throws {
        for index in 0..<7 { try s3.putObject(bucket: bucket, key: "page/\(index)", body: [UInt8(index)]) }
        let first = try s3.listObjects(bucket: bucket, prefix: "page/", maxKeys: 3)
        #expect(first.objects.count == 3 && first.nextToken != nil)
        let all = try s3.listAllObjects(bucket: bucket, prefix: "page/")
        #expect(all.map(\.key) == (0..<7).map { "page/\($0)" })
        var paged: [String] = []
        var token: String?
        repeat {
            let page = try s3.listObjects(bucket: bucket, prefix: "page/", continuationToken: token, maxKeys: 2)
            paged += page.objects.map(\.key)
            token = page.nextToken
        } while token != nil
        #expect(paged == all.map(\.key))
    }

    @Test func largeBodiesGoUpInParts() throws {
        var s3 = s3
        s3.multipartThreshold = 6 * 1024 * 1024
        s3.partSize = 5 * 1024 * 1024
        let body = (0..<(13 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let etag = try s3.putObject(bucket: bucket, key: "big/object.bin", body: body)
        #expect(etag?.contains("-3") == true, "a multipart ETag ends with the part count: \(etag ?? "nil")")
        let back = try s3.getObject(bucket: bucket, key: "big/object.bin").body
        #expect(back.count == body.count && Digest.sha256Hex(back) == Digest.sha256Hex(body))
    }

    @Test func deleteAndNotFound() throws {
        try s3.putObject(bucket: bucket, key: "gone.txt", body: [1])
        try s3.deleteObject(bucket: bucket, key: "gone.txt")
        let error = #expect(throws: AWSError.self) { try s3.headObject(bucket: bucket, key: "gone.txt") }
        #expect(error?.kind == .notFound && error?.status == 404)
        let get = #expect(throws: AWSError.self) { try s3.getObject(bucket: bucket, key: "gone.txt") }
        #expect(get?.code == "NoSuchKey" && get?.requestId != nil)
    }

    /// A wrong secret fails with a typed SignatureDoesNotMatch, and is not retried.
    @Test func wrongKeyIsRefusedAndNotRetried() throws {
        let recorder = SleepRecorder()
        var wrong = stack.credentials
        wrong.secretAccessKey += "x"
        let s3 = try stack.clients(credentials: wrong, retry: recorder.policy).s3
        for operation in [
            { _ = try s3.getObject(bucket: bucket, key: "derived/a/large.jpg") },
            { try s3.putObject(bucket: bucket, key: "nope", body: [1]) },
            { _ = try s3.listObjects(bucket: bucket) },
            { try s3.copyObject(fromBucket: bucket, fromKey: "a", toBucket: bucket, toKey: "b") },
            { try s3.deleteObject(bucket: bucket, key: "a") },
        ] as [() throws -> Void] {
            let error = #expect(throws: AWSError.self) { try operation() }
            #expect(error?.kind == .signatureMismatch && error?.code == "SignatureDoesNotMatch")
        }
        #expect(recorder.recorded.isEmpty, "a signature failure was retried")
        // HEAD has no body, so no code: still refused.
        #expect(throws: AWSError.self) { try s3.headObject(bucket: bucket, key: "derived/a/large.jpg") }
    }

    /// Presigned URLs for a key with spaces, `+` and unicode, used by curl against a server that
    /// checks the signature.
    @Test func presignedPutAndGetWorkWithCurl() throws {
        let environment = AWSEnvironment(["AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": stack.info["double"] ?? ""])
        let presigner = try AWSClients(
            environment: environment, credentials: StaticCredentialProvider(stack.credentials)
        ).s3
        let key = "uploads/my photo+1 été.jpg"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(unique("upload"))
        try Data("presigned body".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let put = try presigner.presignedURL(method: "PUT", bucket: bucket, key: key, expires: 300)
        #expect(try curl(["-X", "PUT", "--data-binary", "@\(file.path)", put]).status == "200")
        #expect(try s3.getObject(bucket: bucket, key: key).body == Array("presigned body".utf8))

        let get = try presigner.presignedURL(bucket: bucket, key: key, expires: 300)
        let fetched = try curl([get])
        #expect(fetched.status == "200" && fetched.body == "presigned body")

        // Tampered: a different key under the same signature is refused.
        let tampered = get.replacingOccurrences(of: "photo", with: "phot0")
        #expect(try curl([tampered]).status == "403")
    }

    @Test func presignedURLsExpire() throws {
        let environment = AWSEnvironment(["AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": stack.info["double"] ?? ""])
        let presigner = try AWSClients(
            environment: environment, credentials: StaticCredentialProvider(stack.credentials)
        ).s3
        try s3.putObject(bucket: bucket, key: "short-lived.txt", body: [1])
        let url = try presigner.presignedURL(bucket: bucket, key: "short-lived.txt", expires: 1)
        #expect(try curl([url]).status == "200")
        Thread.sleep(forTimeInterval: 2.2)
        let expired = try curl([url])
        #expect(expired.status == "403" && expired.body.contains("expired"))
    }

    func curl(_ arguments: [String]) throws -> (status: String, body: String) {
        let text = try Command.run(["curl", "-s", "-g", "-w", "\n%{http_code}"] + arguments).stdout
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }
}
