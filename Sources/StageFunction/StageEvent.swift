#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import AWSClient
import LambdaRuntime
import Pipeline
import LambdaEvents

/// The inputs a stage function accepts, recognised by their shape.
public enum StageEvent: LambdaEvent {
    /// Step Functions passing the job along.
    case job(ImageJob)
    /// A `Parallel` state's output: one job per branch, merged. It comes as an array, or (as the
    /// template's state machine hands it on, so that a `Catch` can add `$.error` to an object) as
    /// the job with the branches' outputs under `branches`.
    case branches([ImageJob])
    /// Uploads announced by S3 notifications or EventBridge.
    case uploads([SourceObject])
    /// An SQS batch wrapping S3 or EventBridge events.
    case queue([(messageId: String, uploads: [SourceObject]?)])
    /// The state machine's catch path: the job with the error that ended it (`ResultPath: $.error`).
    case caught(ImageJob, error: String, cause: String)
    /// A rederive's plan for one image: `{"rederive": {"imageId": ..., "variants": SPEC or null}}`
    /// (statemachine/rederive.asl.json).
    case rederivePlan(imageId: String, variants: String?)
    /// A rederive child's outcomes, one per image of its batch: `{"rederiveBatch": [...]}`.
    case rederiveBatch([RederiveOutcome])
    /// A rederive whose render failed: what it wrote that no record lists is deleted,
    /// `{"rederiveWithdraw": JOB}`.
    case rederiveWithdraw(ImageJob)
    /// An adopt run's step for one listed object: `{"adopt": ITEM}`.
    case adopt(AdoptItem)
    /// An adopt child's outcomes, one per object of its batch: `{"adoptBatch": [...]}`.
    case adoptBatch([AdoptOutcome])

    /// The bulk runs' own events, by their one top-level key.
    struct RederiveEvent: Decodable {
        struct Plan: Decodable {
            var imageId: String
            var variants: String?
        }
        var rederive: Plan?
        var rederiveBatch: [RederiveOutcome]?
        var rederiveWithdraw: ImageJob?
        var adopt: AdoptItem?
        var adoptBatch: [AdoptOutcome]?
    }

    /// What a Step Functions `Catch` adds under `$.error`.
    struct CaughtError: Decodable {
        struct Detail: Decodable {
            var Error: String?
            var Cause: String?
        }
        var error: Detail
    }

    /// The job with its `Parallel` state's outputs beside it (`ResultPath: $.branches`).
    struct Branched: Decodable {
        var branches: [ImageJob]
    }

    /// - Throws: `LambdaError` `.invalidEvent` when the event is none of these.
    public init(lambdaEvent body: [UInt8]) throws { self = try Self.decode(body) }

    /// - Throws: `LambdaError` `.invalidEvent` when the event is none of these.
    public static func decode(_ body: [UInt8]) throws -> StageEvent {
        let data = Data(body)
        let decoder = JSONDecoder()
        if body.first(where: { !$0.isWhitespace }) == UInt8(ascii: "[") {
            return .branches(try decoder.decode([ImageJob].self, from: data))
        }
        if let rederive = try? decoder.decode(RederiveEvent.self, from: data) {
            if let plan = rederive.rederive { return .rederivePlan(imageId: plan.imageId, variants: plan.variants) }
            if let outcomes = rederive.rederiveBatch { return .rederiveBatch(outcomes) }
            if let job = rederive.rederiveWithdraw { return .rederiveWithdraw(job) }
            if let item = rederive.adopt { return .adopt(item) }
            if let outcomes = rederive.adoptBatch { return .adoptBatch(outcomes) }
        }
        if let job = try jobIfItIsOne(data) {
            if let caught = try? decoder.decode(CaughtError.self, from: data) {
                return .caught(job, error: caught.error.Error ?? "States.Runtime", cause: caught.error.Cause ?? "")
            }
            if let branched = try? decoder.decode(Branched.self, from: data) {
                return .branches(branched.branches)
            }
            return .job(job)
        }
        if let batch = try? decoder.decode(SQSEvent.self, from: data),
            batch.Records.allSatisfy({ $0.eventSource == "aws:sqs" })
        {
            return .queue(batch.Records.map { ($0.messageId, uploads(Data($0.body.utf8))) })
        }
        if let uploads = uploads(data) {
            // The catch path of a failed first stage: the upload event itself, with the error.
            if let caught = try? decoder.decode(CaughtError.self, from: data), let source = uploads.first {
                let job = ImageJob(source: source, receivedAt: Timestamp.string(Date()))
                return .caught(job, error: caught.error.Error ?? "States.Runtime", cause: caught.error.Cause ?? "")
            }
            return .uploads(uploads)
        }
        throw LambdaError(
            .invalidEvent,
            "the event is not an ImageJob, a list of them, an S3 or EventBridge event, or an SQS batch of those")
    }

    /// The event as a job, when it is shaped like one (an object with an `imageId`); nil when it is
    /// some other event.
    /// - Throws: `LambdaError` `.invalidEvent` naming the field when a job lacks one or has one of
    ///   the wrong type (not "this is no ImageJob").
    static func jobIfItIsOne(_ data: Data) throws -> ImageJob? {
        let decoder = JSONDecoder()
        guard let object = try? decoder.decode([String: JSONValue].self, from: data), object["imageId"] != nil else {
            return nil
        }
        do {
            return try decoder.decode(ImageJob.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw LambdaError(.invalidEvent, "the job lacks \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(type, context) {
            throw LambdaError(.invalidEvent, "the job's \(path(context.codingPath)) is not a \(type)")
        } catch let DecodingError.valueNotFound(type, context) {
            throw LambdaError(.invalidEvent, "the job's \(path(context.codingPath)) is null, not a \(type)")
        } catch {
            throw LambdaError(.invalidEvent, "the job cannot be read: \(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacing(".[", with: "[")
    }

    /// The uploads an S3 notification or an EventBridge "Object Created" event announces; nil when
    /// the data is neither. S3's test event and deletions announce nothing.
    static func uploads(_ data: Data) -> [SourceObject]? {
        let decoder = JSONDecoder()
        if let event = try? decoder.decode(EventBridgeS3Event.self, from: data), event.source == "aws.s3" {
            guard event.detailType == EventBridgeS3Event.objectCreated else { return [] }
            let object = event.detail.object
            return [
                SourceObject(
                    bucket: event.detail.bucket.name, key: object.key, versionId: object.versionId,
                    etag: object.etag, size: object.size ?? 0)
            ]
        }
        if let event = try? decoder.decode(S3Event.self, from: data) {
            return event.Records.filter { $0.eventName?.hasPrefix("ObjectCreated") ?? true }.map {
                SourceObject(
                    bucket: $0.s3.bucket.name, key: $0.s3.object.decodedKey, versionId: $0.s3.object.versionId,
                    etag: $0.s3.object.eTag, size: $0.s3.object.size ?? 0)
            }
        }
        if let json = try? decoder.decode([String: String].self, from: data), json["Event"] == "s3:TestEvent" {
            return []
        }
        return nil
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
