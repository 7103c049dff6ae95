public import AWSClient
import Foundation
import Signing

/// A helper process from harness/local_aws.py, stopped when this object goes (its standard
/// input closes) or when the test process ends.
public final class LocalAWS: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    public let info: [String: String]

    public init(_ mode: String, arguments: [String] = []) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("harness/local_aws.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, mode] + arguments
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: String] else {
            throw AWSError(
                .invalidResponse,
                message: "local_aws.py \(mode) did not start: \(String(decoding: line, as: UTF8.self))")
        }
        info = object
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The stack shared by every test of the process (moto and the doubles start once).
    public static let stack: LocalAWS? = try? LocalAWS("stack")
    public static let faults: LocalAWS? = try? LocalAWS("faults")

    public var endpoint: String { info["endpoint"] ?? "" }
    public var credentials: Credentials {
        Credentials(accessKeyId: info["accessKeyId"] ?? "", secretAccessKey: info["secretAccessKey"] ?? "")
    }

    /// Clients against this stack, with these credentials and retry policy.
    public func clients(
        credentials: Credentials? = nil, retry: RetryPolicy = RetryPolicy(baseDelay: 0.05),
        endpointOverride: String? = nil,
        http: HTTPClient = HTTPClient()
    ) throws -> AWSClients {
        let environment = AWSEnvironment([
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_REKOGNITION": info["double"] ?? endpoint,
        ])
        return try AWSClients(
            environment: environment, http: http, retry: retry,
            credentials: StaticCredentialProvider(credentials ?? self.credentials))
    }
}

extension LocalAWS {
    /// A new bucket in this stack, named after `prefix`; `versioned` turns S3 versioning on.
    public func bucket(_ prefix: String, versioned: Bool = false) throws -> String {
        let name = unique(prefix)
        let s3 = try clients().s3
        _ = try s3.client.send(AWSRequest(method: "PUT", path: "/\(name)"))
        if versioned {
            let enable = Array("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>".utf8)
            _ = try s3.client.send(
                AWSRequest(method: "PUT", path: "/\(name)", query: [("versioning", "")], body: enable))
        }
        return name
    }

    /// A new DynamoDB table in this stack, as template.yaml declares `logical` (keys, indexes): the
    /// harness reads the template, so a test of the store meets the indexes AWS will have.
    public func table(fromTemplate logical: String) throws -> String {
        let name = unique(logical.lowercased())
        let harness = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("harness").path
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            """
            import json, sys; sys.path.insert(0, sys.argv[1]); import local_stack
            print(json.dumps(local_stack.table_definition(local_stack.load_template(), sys.argv[2], sys.argv[3])))
            """, harness, logical, name,
        ]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        let definition = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else {
            throw AWSError(.invalidResponse, message: "no definition of \(logical) in template.yaml")
        }
        let request = AWSRequest(
            method: "POST", path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.CreateTable"),
            ],
            body: [UInt8](definition))
        _ = try clients().dynamoDB.client.send(request)
        return name
    }
}

/// Records the delays a client would have slept, without sleeping.
public final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var delays: [Double] = []
    public init() {}
    public var recorded: [Double] { lock.withLock { delays } }
    public var policy: RetryPolicy {
        RetryPolicy(baseDelay: 0.01, sleep: { [self] seconds in lock.withLock { delays.append(seconds) } })
    }
}

public func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.lowercased().prefix(8))" }
