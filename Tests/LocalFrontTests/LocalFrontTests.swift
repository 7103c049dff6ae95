import API
import AWSClient
import DarkroomTestSupport
import Foundation
import Testing

@testable import LocalFront

/// darkroom serve's forms and links: checked as S3 checks its own.
@Suite struct LocalFrontTests {
    let signer = LocalSigner(key: Array("a key of at least thirty-two characters".utf8), base: "http://127.0.0.1:9")

    func form(expires: Int = 900, now: Date = Date()) throws -> UploadForm {
        try LocalUploadForms(signer: signer, clock: { now }).form(
            bucket: "uploads", key: "uploads/api/operator/abc", contentType: "image/jpeg", sizes: 1...100,
            metadata: [("owner", "operator"), ("upload-id", "abc")], expires: expires)
    }

    func code(_ fields: [String: String], size: Int = 50, now: Date = Date()) -> String {
        do {
            _ = try LocalUploadForms(signer: signer).check(bucket: "uploads", fields: fields, fileSize: size, now: now)
            return "ok"
        } catch let problem as Problem {
            return problem.code
        } catch {
            return "\(error)"
        }
    }

    @Test func aFormIsGoodForItsOwnKeyTypeAndSizeUntilItExpires() throws {
        let fields = try form().fields
        #expect(try form().url == "http://127.0.0.1:9/uploads")
        #expect(code(fields) == "ok")
        #expect(code(fields, size: 101) == "EntityTooLarge")
        #expect(code(fields, size: 0) == "EntityTooSmall")
        #expect(code(fields.merging(["Content-Type": "image/png"]) { _, b in b }) == "AccessDenied")
        #expect(code(fields.merging(["key": "uploads/api/u-other/abc"]) { _, b in b }) == "AccessDenied")
        #expect(code(fields.merging(["acl": "public-read"]) { _, b in b }) == "AccessDenied")
        #expect(code(fields.merging(["x-ignore-note": "fine"]) { _, b in b }) == "ok")
        #expect(
            code(fields.merging(["x-amz-signature": String(repeating: "0", count: 64)]) { _, b in b })
                == "SignatureDoesNotMatch")
        #expect(code(fields, now: Date().addingTimeInterval(901)) == "AccessDenied")
        #expect(code(fields.filter { $0.key != "policy" }) == "InvalidArgument")
    }

    @Test func aLinkIsGoodForItsFileUntilItExpires() throws {
        let now = Date()
        let links = LocalLinks(signer: signer, expires: 60, clock: { now })
        let link = try links.link(bucket: "out", key: "abc/large.jpg")
        let query = Dictionary(
            uniqueKeysWithValues: (link.url.split(separator: "?").last ?? "").split(separator: "&").map {
                let pair = $0.split(separator: "=")
                return (String(pair[0]), String(pair[1]))
            })
        #expect(link.url.hasPrefix("http://127.0.0.1:9/files/out/abc/large.jpg?"))
        #expect(
            links.verify(
                path: "/files/out/abc/large.jpg", expires: query["expires"], signature: query["signature"], now: now))
        #expect(
            !links.verify(
                path: "/files/out/abc/small.jpg", expires: query["expires"], signature: query["signature"], now: now))
        #expect(
            !links.verify(
                path: "/files/out/abc/large.jpg", expires: query["expires"], signature: query["signature"],
                now: now + 61))
        #expect(
            !links.verify(
                path: "/files/out/abc/large.jpg", expires: "9999999999", signature: query["signature"], now: now))
    }

    @Test func aMultipartBodyGivesItsFieldsAndTheFileAndNothingAfter() throws {
        let boundary = "----darkroom42"
        var body = ""
        for (name, value) in [("key", "uploads/x"), ("Content-Type", "image/jpeg")] {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        body +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        let bytes =
            Array(body.utf8) + [0xFF, 0xD8, 0x0D, 0x0A, 0x00]
            + Array(
                "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nx\r\n--\(boundary)--\r\n"
                    .utf8)
        let form = try MultipartForm(body: bytes, contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(form.fields == ["key": "uploads/x", "Content-Type": "image/jpeg"])
        #expect(form.file == [0xFF, 0xD8, 0x0D, 0x0A, 0x00])
        #expect(throws: Problem.self) {
            try MultipartForm(body: Array("no form".utf8), contentType: "multipart/form-data; boundary=x")
        }
        #expect(throws: Problem.self) { try MultipartForm(body: bytes, contentType: "application/json") }
    }
}

/// darkroom serve's policy checker gives every answer of the shared table
/// (Tests/Conformance/post-policy/cases.json), which the harness's S3 double is held to as well.
@Suite struct PostPolicyTableTests {
    struct Table: Decodable {
        struct Case: Decodable {
            var name: String
            var conditions: [JSONValue]
            var fields: [String: String]
            var size: Int
            var answer: JSONValue?
        }
        var cases: [Case]
    }

    @Test func everyCaseIsAnsweredAsS3Answers() throws {
        let url = Paths.repository.appendingPathComponent("Tests/Conformance/post-policy/cases.json")
        let table = try JSONDecoder().decode(Table.self, from: Data(contentsOf: url))
        #expect(table.cases.count >= 10)
        for entry in table.cases {
            let lower = Dictionary(entry.fields.map { ($0.key.lowercased(), $0.value) }) { a, _ in a }
            var answer: JSONValue = .null
            do {
                try LocalUploadForms.checkConditions(
                    entry.conditions, fields: lower, bucket: "photos", fileSize: entry.size)
            } catch let problem as Problem {
                answer = .array([.int(Int64(problem.status)), .string(problem.code)])
            }
            #expect(answer == (entry.answer ?? .null), "\(entry.name)")
        }
    }
}
