import FoundationEssentials
import Pipeline

/// How one input ended, as `--json` prints it and the contact sheet shows it.
struct ProcessResult: Encodable, Sendable {
    struct OutputFile: Encodable, Sendable {
        var name: String
        var format: String
        var width: Int
        var height: Int
        var bytes: Int
        var path: String
    }

    var input: String
    var imageId: String?
    var status: JobStatus
    /// A rejection's reason.
    var reason: String?
    /// A failure's cause.
    var cause: String?
    var detail: String?
    var variants: [OutputFile]
    var metadata: ImageMetadata?
    /// Whether this run found the image already done and did no image work.
    var unchanged: Bool

    init(
        input: String, imageId: String?, status: JobStatus, reason: String? = nil, cause: String? = nil,
        detail: String?,
        job: ImageJob?,
        location: (Variant) -> String, unchanged: Bool = false
    ) {
        self.input = input
        self.imageId = imageId
        self.status = status
        self.reason = status == .completed ? nil : reason
        self.cause = status == .completed ? nil : cause
        self.detail = status == .completed ? nil : detail
        self.unchanged = unchanged
        let completed = status == .completed
        variants =
            completed
            ? (job?.variants ?? []).map {
                OutputFile(
                    name: $0.name, format: $0.format, width: $0.width, height: $0.height, bytes: $0.bytes,
                    path: location($0))
            } : []
        metadata = job?.metadata
    }

    init(record: JobRecord, input: String, location: (Variant) -> String, unchanged: Bool) {
        self.init(
            input: input, imageId: record.imageId, status: record.status, reason: record.reason,
            cause: record.cause, detail: record.detail, job: record.job, location: location, unchanged: unchanged)
    }

    enum CodingKeys: String, CodingKey {
        case input, imageId, status, reason, cause, detail, variants, metadata, unchanged
    }

    // By hand so that reason, cause, detail and metadata are written as null rather than left out.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(input, forKey: .input)
        try c.encode(imageId, forKey: .imageId)
        try c.encode(status, forKey: .status)
        try c.encode(reason, forKey: .reason)
        try c.encode(cause, forKey: .cause)
        try c.encode(detail, forKey: .detail)
        try c.encode(variants, forKey: .variants)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(unchanged, forKey: .unchanged)
    }

    static func jsonArray(_ results: [ProcessResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }

    static func summary(_ results: [ProcessResult], outputFolder: String) -> String {
        func count(_ status: JobStatus) -> Int { results.filter { $0.status == status }.count }
        let unchanged = results.filter(\.unchanged).count
        var text =
            "\(results.count) input(s): \(count(.completed)) completed, \(count(.rejected)) rejected, \(count(.failed)) failed"
        if unchanged > 0 { text += "; \(unchanged) unchanged since the last run, no image work done" }
        for result in results where result.status != .completed {
            text +=
                "\n  \(result.status.rawValue) \(result.input): \(result.reason ?? result.cause ?? "") \(result.detail ?? "")"
        }
        return text + "\ncontact sheet: \(outputFolder)/index.html\n"
    }
}
