public import Pipeline
public import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The job store in AWS: one DynamoDB item per image, keyed by `imageId`, with `status` and
/// `createdAt` at the top level. The `byStatus` index is keyed by `watchStatus`: the status of a
/// record someone may have to look at (PROCESSING, REJECTED, FAILED, QUARANTINED, and COMPLETED only
/// when its announcement failed), absent otherwise, so that most images leave the index when they
/// complete (removing an entry is billed one write unit, moving it two). Every change is a
/// conditional write, so a record never leaves a final status and two deliveries cannot both move it.
public struct DynamoJobStore: JobStore {
    private let dynamo: DynamoDBClient
    private let table: String
    /// Where a completed image's perceptual-hash bands go (the API's similar search); nil: nowhere.
    private let similarTable: String?

    public init(dynamo: DynamoDBClient, table: String, similarTable: String? = nil) {
        self.dynamo = dynamo
        self.table = table
        self.similarTable = similarTable
    }

    private func key(_ imageId: String) -> [String: AttributeValue] { ["imageId": .s(imageId)] }

    /// A conditional write: its result, or what `otherwise` makes of a failed condition; any other
    /// AWS failure as a `PipelineError`.
    private func conditionally<T: Sendable>(
        _ write: @escaping @Sendable (_ deadline: Date?) throws -> T,
        otherwise: () async throws -> T
    ) async throws -> T {
        do {
            return try await awsCall(write)
        } catch let error as AWSError where error.kind == .conditionFailed {
            return try await otherwise()
        } catch let error as AWSError {
            throw PipelineError(error)
        }
    }

    /// After a failed condition: the record as it is now, and whether the write that failed was this
    /// very one (its token on the item): applied once already, its answer lost, then retried.
    private func afterFailedCondition(_ imageId: String, token: String) async throws -> (ours: Bool, record: JobRecord?)
    {
        let item = try await awsWork { [dynamo, table, key = key(imageId)] in
            try dynamo.getItem(table: table, key: key, deadline: $0)
        }
        return (item?["lastWrite"]?.string == token, try item.map(Self.record))
    }

    public func get(_ imageId: String) async throws -> JobRecord? {
        let key = key(imageId)
        guard
            let item = try await awsWork({ [dynamo, table] in try dynamo.getItem(table: table, key: key, deadline: $0) }
            )
        else { return nil }
        return try Self.record(item)
    }

    public func create(_ job: ImageJob, at time: String) async throws -> JobRecord {
        let record = JobRecord(job: job, at: time)
        // Without the job: each stage's event carries it, and the stage that ends the image writes
        // it whole. Every write until then is billed by the item's size, kept under 1 KB this way.
        var opened = record
        opened.job = nil
        let item = try Self.item(opened)
        return try await conditionally { [dynamo, table] deadline in
            try dynamo.putItem(
                table: table, item: item, condition: .init("attribute_not_exists(imageId)"), deadline: deadline)
            return record
        } otherwise: {
            guard let existing = try await get(job.imageId) else {
                throw PipelineError(.conflict, "record \(job.imageId) vanished")
            }
            return existing
        }
    }

    public func claimUpload(owner: String, uploadId: String, imageId: String, at time: String) async throws -> Bool {
        // An item of its own in the images table, kept a week (a form is good for 15 minutes; an
        // S3 event may come late), gone by TTL.
        let expires = Int((Timestamp.date(time) ?? Date()).addingTimeInterval(7 * 86_400).timeIntervalSince1970)
        let item: [String: AttributeValue] = [
            "imageId": .s("upload#\(owner)#\(uploadId)"), "claimedBy": .s(imageId), "claimedAt": .s(time),
            "expiresAt": .n(String(expires)),
        ]
        return try await conditionally { [dynamo, table] deadline in
            try dynamo.putItem(
                table: table, item: item,
                condition: .init(
                    "attribute_not_exists(imageId) OR claimedBy = :me", values: [":me": .s(imageId)]),
                deadline: deadline)
            return true
        } otherwise: {
            false
        }
    }

    public func update(_ imageId: String, _ update: JobUpdate, at time: String) async throws -> JobRecord {
        // An upload event delivered again after the API erased the image finds its original gone:
        // the record that run just opened goes too, instead of bringing the image back as REJECTED.
        if update.status == .rejected, update.reason == "source_missing", try await wasErased(imageId) {
            try await awsWork { [dynamo, table, key = key(imageId)] in
                try dynamo.deleteItem(table: table, key: key, deadline: $0)
            }
            throw PipelineError(.duplicate, "image \(imageId) was erased; its upload event came again")
        }
        // Statuses a record may move from: only the non-final ones (a final status is never left;
        // staying in PROCESSING is how every stage records itself).
        let allowed = JobStatus.allCases.filter { !$0.isFinal }
        guard !allowed.isEmpty else { throw PipelineError(.conflict, "nothing may become \(update.status.rawValue)") }
        // A token of this write, so that a retry whose first attempt landed (its answer lost) knows
        // the write for its own and not another delivery's.
        let token = UUID().uuidString
        var names = ["#status": "status"]
        var values: [String: AttributeValue] = [
            ":status": .s(update.status.rawValue), ":updatedAt": .s(time), ":token": .s(token),
        ]
        var sets = ["#status = :status", "updatedAt = :updatedAt", "lastWrite = :token"]
        var removes: [String] = []
        for (index, status) in allowed.enumerated() { values[":allowed\(index)"] = .s(status.rawValue) }
        // The reconciler's index: a completed image leaves it (unless its announcement fails).
        if update.status == .completed {
            removes.append("watchStatus")
        } else {
            sets.append("watchStatus = :status")
        }
        if update.status.isFinal || update.reason != nil {
            if let reason = update.reason {
                sets.append("reason = :reason"); values[":reason"] = .s(reason)
            } else {
                removes.append("reason")
            }
        }
        if update.status.isFinal || update.cause != nil {
            names["#cause"] = "cause"
            if let cause = update.cause {
                sets.append("#cause = :cause"); values[":cause"] = .s(cause)
            } else {
                removes.append("#cause")
            }
        }
        if update.status.isFinal || update.detail != nil {
            if let detail = update.detail {
                sets.append("detail = :detail"); values[":detail"] = .s(detail)
            } else {
                removes.append("detail")
            }
        }
        if update.status.isFinal || update.reference != nil {
            names["#reference"] = "reference"
            if let reference = update.reference {
                sets.append("#reference = :reference"); values[":reference"] = .s(reference)
            } else {
                removes.append("#reference")
            }
        }
        if let job = update.job {
            sets.append("job = :job")
            values[":job"] = .s(String(decoding: try JSONEncoder().encode(job), as: UTF8.self))
        }
        if let stage = update.stage {
            names["#stage"] = stage.stage.rawValue
            sets.append("stages.#stage = :stage")
            values[":stage"] = .m(try DynamoItemCoder.item(stage))
        }
        // The owner's indexes (docs/api.md): by status, whenever the status is written; by camera
        // and by content once the image is final.
        if let owner = update.owner {
            sets.append("ownerStatus = :ownerStatus")
            values[":ownerStatus"] = .s(CatalogKeys.ownerStatus(owner, update.status))
            if update.status.isFinal, let metadata = update.job?.metadata {
                if let camera = metadata.camera {
                    sets.append("ownerCamera = :ownerCamera")
                    values[":ownerCamera"] = .s(CatalogKeys.ownerCamera(owner, camera))
                }
                if update.status == .completed {
                    sets.append("ownerSha = :ownerSha")
                    values[":ownerSha"] = .s(CatalogKeys.ownerSha(owner, metadata.sha256))
                    // Before the record says COMPLETED: a failed write fails the stage, whose retry
                    // writes the bands again (the same items), never a COMPLETED image without them.
                    try await writeBands(owner: owner, imageId: imageId, phash: metadata.phash)
                }
            }
        }
        let expression =
            "SET " + sets.joined(separator: ", ")
            + (removes.isEmpty ? "" : " REMOVE " + removes.joined(separator: ", "))
        let condition =
            "attribute_exists(imageId) AND #status IN ("
            + allowed.indices.map { ":allowed\($0)" }.joined(separator: ", ") + ")"
        return try await conditionally { [dynamo, table, key = key(imageId), names, values] deadline in
            let item = try dynamo.updateItem(
                table: table, key: key, update: .init(expression, names: names, values: values),
                condition: .init(condition), deadline: deadline)
            return try Self.record(item)
        } otherwise: {
            let found = try await afterFailedCondition(imageId, token: token)
            if found.ours, let record = found.record { return record }
            throw PipelineError(
                found.record == nil ? .notFound : .conflict,
                found.record.map {
                    "image \(imageId) is \($0.status.rawValue); it cannot become \(update.status.rawValue)"
                }
                    ?? "no record for image \(imageId)")
        }
    }

    public func claimAdoption(_ hash: String, run: String, source: String, at time: String) async throws
        -> AdoptionClaim
    {
        // An item of its own in the images table, kept for good: a later run skips what was
        // adopted (an adopted image erased since stays erased).
        let stale = Timestamp.string(
            (Timestamp.date(time) ?? Date()).addingTimeInterval(-AdoptionClaim.staleAfter))
        let key = key("adopt#\(hash)")
        let item = key.merging(
            ["claimedBy": .s(run), "claimedAt": .s(time), "adoptedFrom": .s(source)], uniquingKeysWith: { $1 })
        return try await conditionally { [dynamo, table] deadline in
            try dynamo.putItem(
                table: table, item: item,
                condition: .init(
                    "attribute_not_exists(imageId) OR (attribute_not_exists(adoptedAs) AND (claimedBy = :me OR claimedAt < :stale))",
                    values: [":me": .s(run), ":stale": .s(stale)]),
                deadline: deadline)
            return .claimed
        } otherwise: {
            let held = try await awsWork { [dynamo, table] in
                try dynamo.getItem(table: table, key: key, deadline: $0)
            }
            if let imageId = held?["adoptedAs"]?.string { return .adopted(imageId: imageId) }
            return .busy(run: held?["claimedBy"]?.string ?? "?")
        }
    }

    public func releaseAdoption(_ hash: String, run: String) async throws {
        let condition = DynamoDBClient.Expression(
            "claimedBy = :me AND attribute_not_exists(adoptedAs)", values: [":me": .s(run)])
        try await conditionally { [dynamo, table, key = key("adopt#\(hash)")] deadline in
            try dynamo.deleteItem(table: table, key: key, condition: condition, deadline: deadline)
        } otherwise: {
            // Another run's claim, or adopted after all: not this run's to give back.
        }
    }

    public func adoption(_ hash: String) async throws -> String? {
        let item = try await awsWork { [dynamo, table, key = key("adopt#\(hash)")] in
            try dynamo.getItem(table: table, key: key, consistentRead: false, deadline: $0)
        }
        return item?["adoptedAs"]?.string
    }

    public func adopted(_ hash: String, as imageId: String, at time: String) async throws {
        let update = DynamoDBClient.Expression(
            "SET adoptedAs = :image, adoptedAt = :now", values: [":image": .s(imageId), ":now": .s(time)])
        try await awsWork { [dynamo, table, key = key("adopt#\(hash)")] in
            _ = try dynamo.updateItem(
                table: table, key: key, update: update, condition: .init("attribute_exists(imageId)"), deadline: $0)
        }
    }

    public func replaceVariants(
        _ imageId: String, with variants: [Variant], ifUnchangedSince planned: String, at time: String
    ) async throws -> JobRecord {
        guard let record = try await get(imageId) else {
            throw PipelineError(.notFound, "no record for image \(imageId)")
        }
        let next = try record.replacingVariants(variants, ifUnchangedSince: planned, at: time)
        guard next != record, let job = next.job else { return record }
        // The whole job is rewritten (it is one attribute); the condition is what makes it safe: a
        // record another write changed since the plan read it is left alone.
        let values: [String: AttributeValue] = [
            ":job": .s(String(decoding: try JSONEncoder().encode(job), as: UTF8.self)), ":updatedAt": .s(time),
            ":planned": .s(planned), ":completed": .s(JobStatus.completed.rawValue),
        ]
        return try await conditionally { [dynamo, table, key = key(imageId)] deadline in
            let item = try dynamo.updateItem(
                table: table, key: key,
                update: .init("SET job = :job, updatedAt = :updatedAt", names: [:], values: values),
                condition: .init("#status = :completed AND updatedAt = :planned", names: ["#status": "status"]),
                deadline: deadline)
            return try Self.record(item)
        } otherwise: {
            // Changed in between; or this very write landed and its answer was lost.
            guard let now = try await get(imageId) else {
                throw PipelineError(.notFound, "no record for image \(imageId)")
            }
            return try now.replacingVariants(variants, ifUnchangedSince: "", at: time)
        }
    }

    public func stale(before cutoff: String) async throws -> [JobRecord] {
        // The byStatus index is keyed by createdAt: a record updated before the cutoff was also
        // created before it, so the query narrows by creation and the updatedAt test finishes it.
        try await byStatus(JobStatus.allCases.filter { !$0.isFinal }, createdFrom: nil, to: cutoff).filter {
            $0.isStale(before: cutoff)
        }
    }

    /// Records in `statuses` created before `end` (and since `start`), from the byStatus index.
    private func byStatus(_ statuses: [JobStatus], createdFrom start: String?, to end: String) async throws
        -> [JobRecord]
    {
        var found: [JobRecord] = []
        for status in statuses {
            var values: [String: AttributeValue] = [":status": .s(status.rawValue), ":end": .s(end)]
            if let start { values[":start"] = .s(start) }
            let range = start == nil ? "createdAt < :end" : "createdAt BETWEEN :start AND :end"
            let condition = DynamoDBClient.Expression("watchStatus = :status AND " + range, values: values)
            // The index holds keys only (it is written when a status changes, not at every write
            // of a record): the records themselves come by BatchGetItem, consistently read.
            let keys = try await awsWork { [dynamo, table] in
                try dynamo.queryAll(table: table, index: "byStatus", keyCondition: condition, deadline: $0)
            }
            found += try await Self.records(
                keys.compactMap { $0["imageId"]?.string }, dynamo: dynamo, table: table, consistent: true)
        }
        return found
    }

    /// The records of `ids`, in that order (those that no longer exist left out), by BatchGetItem.
    static func records(_ ids: [String], dynamo: DynamoDBClient, table: String, consistent: Bool) async throws
        -> [JobRecord]
    {
        var found: [String: JobRecord] = [:]
        for start in stride(from: 0, to: ids.count, by: DynamoDBClient.batchGetLimit) {
            let keys = ids[start..<min(start + DynamoDBClient.batchGetLimit, ids.count)].map {
                ["imageId": AttributeValue.s($0)]
            }
            let items = try await awsWork { [keys = Array(keys)] in
                try dynamo.batchGetItem(table: table, keys: keys, consistentRead: consistent, deadline: $0)
            }
            for item in items {
                let record = try Self.record(item)
                found[record.imageId] = record
            }
        }
        return ids.compactMap { found[$0] }
    }

    public func restart(_ record: JobRecord, at time: String) async throws -> JobRecord {
        let token = UUID().uuidString
        let update = DynamoDBClient.Expression(
            "SET restarts = :restarts, updatedAt = :now, lastWrite = :token",
            values: [":restarts": .n(String((record.restarts ?? 0) + 1)), ":now": .s(time), ":token": .s(token)])
        let condition = DynamoDBClient.Expression(
            "#status = :status AND updatedAt = :seen", names: ["#status": "status"],
            values: [":status": .s(record.status.rawValue), ":seen": .s(record.updatedAt)])
        return try await conditionally { [dynamo, table, key = key(record.imageId)] deadline in
            try Self.record(
                try dynamo.updateItem(table: table, key: key, update: update, condition: condition, deadline: deadline))
        } otherwise: {
            let found = try await afterFailedCondition(record.imageId, token: token)
            if found.ours, let current = found.record { return current }
            throw PipelineError(.conflict, "image \(record.imageId) changed while it was being restarted")
        }
    }

    public func markUnannounced(_ imageId: String) async throws {
        // Back into the reconciler's index under its status, for it to find.
        let update = DynamoDBClient.Expression(
            "SET announced = :no, watchStatus = #status", names: ["#status": "status"],
            values: [":no": .bool(false)])
        _ = try await awsWork { [dynamo, table, key = key(imageId)] in
            try dynamo.updateItem(
                table: table, key: key, update: update, condition: .init("attribute_exists(imageId)"), deadline: $0)
        }
    }

    public func claimAnnouncement(_ imageId: String) async throws -> Bool {
        let final = JobStatus.allCases.filter(\.isFinal)
        var values: [String: AttributeValue] = [":yes": .bool(true), ":no": .bool(false)]
        for (index, status) in final.enumerated() { values[":final\(index)"] = .s(status.rawValue) }
        let condition =
            "#status IN (" + final.indices.map { ":final\($0)" }.joined(separator: ", ")
            + ") AND announced = :no"
        return try await conditionally { [dynamo, table, key = key(imageId), values] deadline in
            _ = try dynamo.updateItem(
                table: table, key: key, update: .init("SET announced = :yes", values: values),
                condition: .init(condition, names: ["#status": "status"]), deadline: deadline)
            return true
        } otherwise: {
            false
        }
    }

    public func unannounced(since oldest: String, before cutoff: String) async throws -> [JobRecord] {
        try await byStatus(JobStatus.allCases.filter(\.isFinal), createdFrom: oldest, to: cutoff).filter {
            $0.isUnannounced(before: cutoff)
        }
    }

    /// Whether the API erased the image (its note is there).
    private func wasErased(_ imageId: String) async throws -> Bool {
        try await awsWork { [dynamo, table] in
            try dynamo.getItem(table: table, key: CatalogKeys.erased(imageId), deadline: $0)
        } != nil
    }

    /// The items of an image's perceptual-hash bands in the similar table.
    private func writeBands(owner: String, imageId: String, phash: String) async throws {
        guard let similarTable, let items = CatalogKeys.bandItems(owner: owner, imageId: imageId, phash: phash) else {
            return
        }
        try await awsWork { [dynamo] in try dynamo.batchWriteItem(table: similarTable, puts: items, deadline: $0) }
    }

    static func item(_ record: JobRecord) throws -> [String: AttributeValue] {
        let (owner, uploadId) = Owner.of(key: record.source.key)
        var item: [String: AttributeValue] = [
            "imageId": .s(record.imageId), "status": .s(record.status.rawValue), "createdAt": .s(record.createdAt),
            "updatedAt": .s(record.updatedAt), "source": .m(try DynamoItemCoder.item(record.source)),
            "stages": .m(try record.stages.mapValues { .m(try DynamoItemCoder.item($0)) }),
            "ownerId": .s(owner), "ownerStatus": .s(CatalogKeys.ownerStatus(owner, record.status)),
        ]
        if record.status != .completed || record.announced == false { item["watchStatus"] = .s(record.status.rawValue) }
        if let uploadId { item["uploadId"] = .s(uploadId) }
        if let reason = record.reason { item["reason"] = .s(reason) }
        if let cause = record.cause { item["cause"] = .s(cause) }
        if let detail = record.detail { item["detail"] = .s(detail) }
        if let reference = record.reference { item["reference"] = .s(reference) }
        if let job = record.job { item["job"] = .s(String(decoding: try JSONEncoder().encode(job), as: UTF8.self)) }
        if let restarts = record.restarts { item["restarts"] = .n(String(restarts)) }
        if let announced = record.announced { item["announced"] = .bool(announced) }
        return item
    }

    static func record(_ item: [String: AttributeValue]) throws -> JobRecord {
        guard let imageId = item["imageId"]?.string,
            let status = item["status"]?.string.flatMap(JobStatus.init(rawValue:)),
            let createdAt = item["createdAt"]?.string, case .m(let sourceItem)? = item["source"]
        else { throw PipelineError(.fault, "a job record in DynamoDB is missing its key fields") }
        let source = try DynamoItemCoder.value(SourceObject.self, from: sourceItem)
        let job = try item["job"]?.string.map { try JSONDecoder().decode(ImageJob.self, from: Data($0.utf8)) }
        var record = JobRecord(job: job ?? ImageJob(source: source, receivedAt: createdAt), at: createdAt)
        record.imageId = imageId
        record.status = status
        record.updatedAt = item["updatedAt"]?.string ?? createdAt
        record.reason = item["reason"]?.string
        record.cause = item["cause"]?.string
        record.detail = item["detail"]?.string
        record.reference = item["reference"]?.string
        record.job = job
        if case .n(let restarts)? = item["restarts"] { record.restarts = Int(restarts) }
        if case .bool(let announced)? = item["announced"] { record.announced = announced }
        if case .m(let stages)? = item["stages"] {
            record.stages = try stages.compactMapValues { value in
                guard case .m(let stage) = value else { return nil }
                return try DynamoItemCoder.value(StageRecord.self, from: stage)
            }
        }
        return record
    }
}
