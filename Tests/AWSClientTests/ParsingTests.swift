import Foundation
import Testing

@testable import AWSClient
import DarkroomTestSupport
import HTTPMessage
import Signing

@Suite struct ParsingTests {
    @Test func xmlReadsAWSResponses() throws {
        let listing = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
            <Contents><Key>a &amp; b.jpg</Key><Size>12</Size></Contents><Contents><Key><![CDATA[<c>]]></Key><Size>3</Size></Contents>
            <IsTruncated>true</IsTruncated><NextContinuationToken>tok&#x2F;en</NextContinuationToken></ListBucketResult>
            """
        let root = try #require(XMLNode.parse(Array(listing.utf8)))
        #expect(root.name == "ListBucketResult" && root.children("Contents").map { $0["Key"] } == ["a & b.jpg", "<c>"])
        #expect(root["NextContinuationToken"] == "tok/en")
    }

    @Test func aStacksOutputsAreReadFromDescribeStacks() throws {
        let answer = """
            <DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks>
            <member><StackName>darkroom</StackName><Outputs>
            <member><OutputKey>ApiUrl</OutputKey><OutputValue>https://x.execute-api.us-east-1.amazonaws.com/v1</OutputValue></member>
            <member><Description>bulk</Description><OutputKey>RederiveStateMachineArn</OutputKey><OutputValue>arn:aws:states:us-east-1:1:stateMachine:d-rederive</OutputValue></member>
            </Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>
            """
        let outputs = try CloudFormationClient.outputs(Array(answer.utf8))
        #expect(outputs["RederiveStateMachineArn"] == "arn:aws:states:us-east-1:1:stateMachine:d-rederive")
        #expect(outputs.count == 2)
        #expect(throws: AWSError.self) { try CloudFormationClient.outputs(Array("<DescribeStacksResponse/>".utf8)) }
    }

    @Test func xmlRefusesGarbageWithoutCrashing() {
        for text in ["", "<", "<a>", "<a><b></a>", "not xml", String(repeating: "<a>", count: 10_000), "<a x='>'>t</a"]
        {
            _ = XMLNode.parse(Array(text.utf8))
        }
        #expect(XMLNode.parse(Array(String(repeating: "<a>", count: 100).utf8)) == nil)
        #expect(XMLNode.parse(Array("<a x=\"1>2\">t</a>".utf8))?.text == "t")
    }

    @Test func errorResponsesInEveryShape() throws {
        let client = AWSServiceClient(
            service: "s3", region: "us-east-1", endpoint: try #require(AWSEndpoint.parse("http://127.0.0.1:1")),
            credentials: StaticCredentialProvider(Credentials(accessKeyId: "a", secretAccessKey: "b")),
            http: HTTPClient(), errorFormat: .xml)
        let s3 = client.parseError(
            HTTPResponse(
                status: 404, headers: [("x-amz-request-id", "REQ")],
                body: Array("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>".utf8)))
        #expect(s3.kind == .notFound && s3.code == "NoSuchKey" && s3.message == "gone" && s3.requestId == "REQ")
        let query = client.parseError(
            HTTPResponse(
                status: 400, headers: [],
                body: Array(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>slow</Message></Error></ErrorResponse>"
                        .utf8)))
        #expect(query.kind == .throttled && query.isRetryable)
        let json = AWSServiceClient(
            service: "dynamodb", region: "us-east-1", endpoint: client.endpoint,
            credentials: StaticCredentialProvider(Credentials(accessKeyId: "a", secretAccessKey: "b")),
            http: HTTPClient(), errorFormat: .json)
        let condition = json.parseError(
            HTTPResponse(
                status: 400, headers: [("x-amzn-RequestId", "J")],
                body: Array(
                    #"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#
                        .utf8)))
        #expect(condition.kind == .conditionFailed && !condition.isRetryable && condition.requestId == "J")
        #expect(json.parseError(HTTPResponse(status: 503, headers: [], body: [])).isRetryable)
    }

    @Test func times() throws {
        let date = try #require(AWSTime.parse("2015-08-30T12:36:00Z"))
        #expect(AWSTime.amzDate(date) == "20150830T123600Z")
        #expect(AWSTime.parseHTTPDate("Sun, 30 Aug 2015 12:36:00 GMT") == date)
        #expect(AWSTime.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
        #expect(AWSTime.parse("garbage") == nil)
    }

    @Test func endpointsFollowTheSDKVariables() throws {
        let env = AWSEnvironment([
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_REKOGNITION": "http://localhost:7000/",
        ])
        #expect(
            try env.endpoint(service: "s3", region: "eu-west-1")
                == AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 5000, isCustom: true))
        #expect(try env.endpoint(service: "rekognition", region: "eu-west-1").hostHeader == "localhost:7000")
        let aws = try AWSEnvironment([:]).endpoint(service: "dynamodb", region: "eu-west-1")
        #expect(aws.hostHeader == "dynamodb.eu-west-1.amazonaws.com" && aws.scheme == "https" && !aws.isCustom)
        #expect(throws: AWSError.self) {
            try AWSEnvironment(["AWS_ENDPOINT_URL_S3": "ftp://x"]).endpoint(service: "s3", region: "us-east-1")
        }
    }

    @Test func s3Addressing() throws {
        func s3(_ variables: [String: String]) throws -> S3Client {
            try AWSClients(
                environment: AWSEnvironment(variables.merging(["AWS_REGION": "eu-west-1"]) { a, _ in a }),
                credentials: StaticCredentialProvider(Credentials(accessKeyId: "a", secretAccessKey: "b"))
            ).s3
        }
        let aws = try s3([:])
        #expect(aws.address(bucket: "photos", key: "a b.jpg") == ("/a b.jpg", "photos.s3.eu-west-1.amazonaws.com"))
        #expect(aws.address(bucket: "my.photos", key: "k") == ("/my.photos/k", nil))
        #expect(
            try s3(["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:5000"]).address(bucket: "photos", key: "k") == (
                "/photos/k", nil
            ))
        let url = try aws.presignedURL(bucket: "photos", key: "a b+c.jpg", expires: 60)
        #expect(
            url.hasPrefix("https://photos.s3.eu-west-1.amazonaws.com/a%20b%2Bc.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(url.contains("X-Amz-Expires=60&") && url.contains("&X-Amz-Signature="))
    }

    struct Nested: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var flag: Bool
        var missing: String?
        var list: [Int]
        var map: [String: String]
    }

    @Test func dynamoItemsMapSwiftTypes() throws {
        let value = Nested(name: "x", count: 3, ratio: 0.5, flag: true, missing: nil, list: [1, 2], map: ["a": "b"])
        let item = try DynamoItemCoder.item(value)
        #expect(
            item["name"] == .s("x") && item["count"] == .n("3") && item["ratio"] == .n("0.5")
                && item["flag"] == .bool(true))
        #expect(item["list"] == .l([.n("1"), .n("2")]) && item["map"] == .m(["a": .s("b")]))
        #expect(try DynamoItemCoder.value(Nested.self, from: item) == value)
        let wire = try JSONEncoder().encode(AttributeValue.m(["b": .b([0, 255]), "n": .null, "ss": .ss(["a"])]))
        #expect(
            try JSONDecoder().decode(AttributeValue.self, from: wire)
                == .m(["b": .b([0, 255]), "n": .null, "ss": .ss(["a"])]))
    }
}
