import AWSClient
import Foundation
import Pipeline
import Testing

@testable import API
import PipelineAWS

@Suite struct CursorTests {
    let seal = CursorSeal(key: Array("a key of at least thirty-two characters".utf8))
    let position = ["ownerId": "u-1", "createdAt": "2026-11-27T10:00:00.000Z", "imageId": "abc"]

    @Test func aSealedCursorOpensForItsOwnerAndFiltersOnly() throws {
        let cursor = seal.seal(position, owner: "u-1", filters: "COMPLETED")
        #expect(try seal.open(cursor, owner: "u-1", filters: "COMPLETED") == position)
        for (owner, filters) in [("u-2", "COMPLETED"), ("u-1", ""), ("operator", "COMPLETED")] {
            #expect(throws: Problem.self) { try seal.open(cursor, owner: owner, filters: filters) }
        }
        let other = CursorSeal(key: Array("another key of thirty-two characters..".utf8))
        #expect(throws: Problem.self) { try other.open(cursor, owner: "u-1", filters: "COMPLETED") }
    }

    @Test func anyChangedCharacterIsRefused() throws {
        let cursor = Array(seal.seal(position, owner: "u-1", filters: ""))
        #expect(try seal.open(String(cursor), owner: "u-1", filters: "") == position)
        // Every other character at every place: the MAC's last character carries unused bits, so
        // some changes there decode to the same bytes; they must be refused all the same.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var opened = 0
        for index in cursor.indices where cursor[index] != "." {
            for character in alphabet where character != cursor[index] {
                var changed = cursor
                changed[index] = character
                if (try? seal.open(String(changed), owner: "u-1", filters: "")) != nil { opened += 1 }
            }
        }
        #expect(opened == 0)
    }

    @Test func aCursorWritesItsPositionInSortedOrder() throws {
        // A dictionary's order differs from process to process; the cursor of a position does not.
        let many = Dictionary(uniqueKeysWithValues: (0..<20).map { ("key\($0)", "value\($0)") })
        let payload = try #require(
            CursorSeal.bytes(base64URL: String(seal.seal(many, owner: "u-1", filters: "").split(separator: ".")[0])))
        let text = String(decoding: payload, as: UTF8.self)
        let places = try many.keys.sorted().map { key in try #require(text.range(of: "\"\(key)\"")).lowerBound }
        #expect(places == places.sorted())
    }
}

@Suite struct UploadIDTests {
    let ids = UploadID(key: Array("a key of at least thirty-two characters".utf8))

    @Test func anIdIsGoodOnlyForItsOwnerAndTellsItsExpiry() {
        let expires = Date(timeIntervalSince1970: 1_800_000_000)
        let id = ids.make(owner: "u-alice", expiresAt: expires)
        #expect(id.count == 40)
        #expect(ids.expiry(id, owner: "u-alice") == expires)
        #expect(ids.expiry(id, owner: "u-bob") == nil)
        #expect(ids.make(owner: "u-alice", expiresAt: expires) != id)
        let changed = String(id.prefix(20)) + (id.dropFirst(20).first == "0" ? "1" : "0") + String(id.dropFirst(21))
        #expect(ids.expiry(changed, owner: "u-alice") == nil)
        #expect(ids.expiry(id.uppercased(), owner: "u-alice") == nil)
    }

    /// Cursors and upload ids are signed with keys derived from the one API secret, one per
    /// purpose: neither is the secret, they differ, and an id signed with the cursor key (or
    /// the secret itself) is refused.
    @Test func eachPurposeHasItsOwnDerivedKey() {
        let secret = Array("a key of at least thirty-two characters".utf8)
        let config = APIConfig(
            uploadsBucket: "u", derivedBucket: "d", archiveBucket: "a", maxBytes: 1, apiSecret: secret,
            operatorSubject: nil)
        #expect(config.cursorKey != config.uploadIdKey && config.cursorKey != secret && config.uploadIdKey != secret)
        #expect(config.cursorKey.count == 32 && config.uploadIdKey.count == 32)
        let expires = Date(timeIntervalSince1970: 1_800_000_000)
        let id = UploadID(key: config.uploadIdKey).make(owner: "u-alice", expiresAt: expires)
        #expect(UploadID(key: config.uploadIdKey).expiry(id, owner: "u-alice") == expires)
        #expect(UploadID(key: config.cursorKey).expiry(id, owner: "u-alice") == nil)
        #expect(UploadID(key: secret).expiry(id, owner: "u-alice") == nil)
        // Derived the same way from the same secret, anywhere: what one function signs, another checks.
        let again = APIConfig(
            uploadsBucket: "x", derivedBucket: "y", archiveBucket: "z", maxBytes: 2, apiSecret: secret,
            operatorSubject: "op")
        #expect(again.cursorKey == config.cursorKey && again.uploadIdKey == config.uploadIdKey)
    }
}

@Suite struct APIGatewayTests {
    @Test func aPayloadTwoEventBecomesTheRequestWithItsVerifiedSubject() throws {
        let event = """
            {"version":"2.0","routeKey":"$default","rawPath":"/v1/images","rawQueryString":"limit=5",
             "queryStringParameters":{"limit":"5"},"headers":{"content-type":"application/json"},
             "requestContext":{"http":{"method":"POST","path":"/v1/uploads"},"authorizer":{"jwt":{"claims":{"sub":"abc-123"},"scopes":null}}},
             "body":"eyJhIjoxfQ==","isBase64Encoded":true}
            """
        let request = try APIGateway.request(Array(event.utf8))
        #expect(request.method == "POST" && request.path == "/v1/uploads" && request.query == ["limit": "5"])
        #expect(request.subject == "abc-123" && request.body == Array("{\"a\":1}".utf8))
        #expect(throws: Problem.self) { try APIGateway.request(Array("[1,2]".utf8)) }
    }

    /// The sample event `scripts/sam-local` invokes the api function with, as API Gateway sends it.
    @Test func theSampleEventIsAListOfTheOperatorsImages() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("events/api.json")
        let request = try APIGateway.request([UInt8](try Data(contentsOf: file)))
        #expect(request.method == "GET" && request.path == "/v1/images" && request.query == ["limit": "10"])
        #expect(request.subject == "operator")
    }

    /// As `sam local start-api` sends it, with the local authorizer double's context in the JWT
    /// authorizer's place; no authorizer at all is no subject (the routes answer 401).
    @Test func aLambdaAuthorizersSubjectIsTheCallers() throws {
        let event = """
            {"version":"2.0","requestContext":{"http":{"method":"GET","path":"/v1/images"},"authorizer":{"lambda":{"sub":"alice"}}}}
            """
        #expect(try APIGateway.request(Array(event.utf8)).subject == "alice")
        let anonymous = #"{"version":"2.0","requestContext":{"http":{"method":"GET","path":"/v1/images"}}}"#
        #expect(try APIGateway.request(Array(anonymous.utf8)).subject == nil)
    }

    @Test func aResponseIsTheEventAPIGatewayWants() throws {
        let encoded = APIGateway.response(Problem(404, "no_image", "There is no image x.").response)
        let object = try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any]
        #expect(object?["statusCode"] as? Int == 404 && object?["isBase64Encoded"] as? Bool == false)
        let headers = object?["headers"] as? [String: String]
        #expect(headers?["Content-Type"] == "application/problem+json")
        let body =
            try JSONSerialization.jsonObject(with: Data(((object?["body"] as? String) ?? "").utf8)) as? [String: Any]
        #expect(
            body?["code"] as? String == "no_image" && body?["status"] as? Int == 404
                && body?["type"] as? String == "urn:darkroom:problem:no_image")
    }
}

/// Bad input is answered before any store is asked, and a store that does not answer is a 503:
/// the API over AWS clients pointed at a port where nothing listens.
@Suite struct ImageAPIInputTests {
    let api: ImageAPI

    init() throws {
        let aws = try AWSClients(
            environment: AWSEnvironment([
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY": "secret",
            ]),
            retry: RetryPolicy(maxAttempts: 1))
        api = ImageAPI(
            config: APIConfig(
                uploadsBucket: "u", derivedBucket: "d", archiveBucket: "a", maxBytes: 1000,
                apiSecret: Array("a key of at least thirty-two characters".utf8), operatorSubject: "op"),
            catalog: DynamoImageCatalog(dynamo: aws.dynamoDB, table: "t", similarTable: "s"),
            objects: S3ObjectStore(s3: aws.s3),
            forms: S3UploadForms(s3: aws.s3), links: PresignedLinks(s3: aws.s3, expires: 60))
    }

    func answer(
        _ method: String, _ path: String, query: [String: String] = [:], body: String = "", subject: String? = "alice"
    ) async -> (Int, String) {
        let response = await api.handle(
            APIRequest(method: method, path: path, query: query, body: Array(body.utf8), subject: subject))
        let code =
            (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["code"] as? String ?? ""
        return (response.status, code)
    }

    @Test func badInputIsA4xxWithItsCode() async {
        #expect(await answer("GET", "/v1/images", subject: nil) == (401, "unauthenticated"))
        #expect(await answer("GET", "/v2/images") == (404, "no_route"))
        #expect(await answer("PATCH", "/v1/images/abc") == (405, "method_not_allowed"))
        #expect(await answer("POST", "/v1/uploads", body: "{") == (400, "bad_json"))
        #expect(
            await answer("POST", "/v1/uploads", body: #"{"filename":"a","contentType":"image/jpeg","bytes":"7"}"#) == (
                400, "bad_json"
            ))
        #expect(
            await answer("POST", "/v1/uploads", body: #"{"filename":"","contentType":"image/jpeg","bytes":7}"#) == (
                400, "bad_filename"
            ))
        #expect(
            await answer("POST", "/v1/uploads", body: #"{"filename":"a","contentType":"image/svg+xml","bytes":7}"#) == (
                415, "unsupported_type"
            ))
        #expect(
            await answer("POST", "/v1/uploads", body: #"{"filename":"a","contentType":"image/jpeg","bytes":1001}"#) == (
                413, "too_large"
            ))
        #expect(await answer("GET", "/v1/images", query: ["limit": "0"]) == (400, "bad_limit"))
        #expect(await answer("GET", "/v1/images", query: ["from": "2026-02-30"]) == (400, "bad_date"))
        #expect(await answer("GET", "/v1/images", query: ["cursor": "x.y"]) == (400, "bad_cursor"))
        #expect(await answer("GET", "/v1/images/abc/similar", query: ["maxDistance": "-1"]) == (400, "bad_distance"))
        #expect(await answer("GET", "/v1/uploads/not-an-id") == (404, "no_upload"))
        #expect(await answer("GET", "/v1/images/NOT-AN-ID") == (404, "no_image"))
    }

    @Test func aStoreThatDoesNotAnswerIsA503NotA500() async {
        #expect(await answer("GET", "/v1/images") == (503, "backend_unavailable"))
        #expect(await answer("GET", "/v1/images/0123456789abcdef0123456789abcdef") == (503, "backend_unavailable"))
    }

    @Test func aFormIsSignedForOneKeyOfTheCaller() async throws {
        let response = await api.handle(
            APIRequest(
                method: "POST", path: "/v1/uploads",
                body: Array(#"{"filename":"a.jpg","contentType":"IMAGE/JPEG","bytes":7}"#.utf8), subject: "alice"))
        #expect(response.status == 201)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        let post = object?["post"] as? [String: Any]
        let fields = post?["fields"] as? [String: String] ?? [:]
        #expect(
            fields["key"]
                == Owner.uploadKey(owner: Owner.id(subject: "alice"), uploadId: object?["uploadId"] as? String ?? ""))
        #expect(fields["Content-Type"] == "image/jpeg" && fields["x-amz-meta-owner"] == Owner.id(subject: "alice"))
        let policy =
            try JSONSerialization.jsonObject(with: Data(base64Encoded: fields["policy"] ?? "") ?? Data())
            as? [String: Any]
        let conditions = policy?["conditions"] as? [Any] ?? []
        #expect(
            conditions.contains {
                ($0 as? [Any]).map { $0.count == 3 && $0[0] as? String == "content-length-range" && $0[2] as? Int == 7 }
                    ?? false
            })
        #expect(post?["url"] as? String == "http://127.0.0.1:9/u/")
    }
}

@Suite struct PostPolicyTests {
    /// With temporary credentials (Lambda's), the form carries the session token, and the policy
    /// names it, so S3 checks it too.
    @Test func aFormSignedWithSessionCredentialsCarriesTheToken() throws {
        let aws = try AWSClients(
            environment: AWSEnvironment([
                "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
                "AWS_SESSION_TOKEN": "the-token",
            ]))
        let form = try S3UploadForms(s3: aws.s3).form(
            bucket: "uploads-bucket", key: "uploads/api/u-1/abc", contentType: "image/png",
            sizes: 1...10, metadata: [("owner", "u-1")], expires: 900)
        #expect(form.url == "https://uploads-bucket.s3.eu-west-1.amazonaws.com/")
        #expect(form.fields["x-amz-security-token"] == "the-token")
        #expect(
            form.fields["x-amz-credential"]?.hasPrefix("ASIAEXAMPLE/") == true
                && form.fields["x-amz-credential"]?.hasSuffix("/eu-west-1/s3/aws4_request") == true)
        let policy =
            try JSONSerialization.jsonObject(with: Data(base64Encoded: form.fields["policy"] ?? "") ?? Data())
            as? [String: Any]
        let conditions = (policy?["conditions"] as? [Any] ?? []).compactMap { $0 as? [String: String] }
        for name in [
            "x-amz-security-token", "key", "Content-Type", "x-amz-meta-owner", "x-amz-credential", "x-amz-date",
            "x-amz-algorithm",
        ] {
            #expect(conditions.contains { $0[name] == form.fields[name] }, "\(name)")
        }
        #expect(conditions.contains { $0["bucket"] == "uploads-bucket" })
        #expect(form.fields["x-amz-signature"]?.count == 64)
    }
}
