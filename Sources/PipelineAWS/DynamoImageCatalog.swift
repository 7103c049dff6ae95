public import Pipeline
public import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The attributes and items behind the owner's indexes (template.yaml, ImagesTable and
/// SimilarTable). Index keys are written only when what they index changes (a status, a final
/// image), and the indexes hold keys only: other writes of a record cost the indexes nothing.
enum CatalogKeys {
    static let byOwner = "byOwner", byOwnerStatus = "byOwnerStatus", byOwnerCamera = "byOwnerCamera"
    static let byOwnerSha = "byOwnerSha", byUpload = "byUpload"

    static func ownerStatus(_ owner: String, _ status: JobStatus) -> String { "\(owner)|\(status.rawValue)" }
    static func ownerCamera(_ owner: String, _ camera: String) -> String { "\(owner)|\(camera.lowercased())" }
    static func ownerSha(_ owner: String, _ sha256: String) -> String { "\(owner)|\(sha256.lowercased())" }
    static func band(_ owner: String, _ index: Int, _ value: UInt64) -> String { "\(owner)|\(index)|\(value)" }

    /// One item per band of `phash`; nil when it is no 64-bit hash.
    static func bandItems(owner: String, imageId: String, phash: String) -> [[String: AttributeValue]]? {
        guard let hash = PerceptualBands.value(phash) else { return nil }
        return PerceptualBands.bands(hash).enumerated().map { index, value in
            ["band": .s(band(owner, index, value)), "imageId": .s(imageId), "phash": .s(phash)]
        }
    }

    /// The key of the note an erased image leaves.
    static func erased(_ imageId: String) -> [String: AttributeValue] { ["imageId": .s("erased#\(imageId)")] }
    /// The byStatus partition of erase notes whose invalidation is still to be asked for.
    static let uninvalidated = "UNINVALIDATED"
}

/// The API's lookups over DynamoDB: queries of the owner's key-only indexes, then one
/// BatchGetItem for the records of a page.
public struct DynamoImageCatalog: ImageCatalog {
    private let dynamo: DynamoDBClient
    private let table: String
    private let similarTable: String
    /// How long an erased image's note stays (DynamoDB's TTL removes it after).
    private let rememberErased: TimeInterval = 30 * 86_400
    /// A similar search's band Queries in flight at once.
    private static let queriesAtOnce = 8

    public init(dynamo: DynamoDBClient, table: String, similarTable: String) {
        self.dynamo = dynamo
        self.table = table
        self.similarTable = similarTable
    }

    public func record(_ imageId: String) async throws -> JobRecord? {
        try await awsWork { [dynamo, table] in
            try dynamo.getItem(table: table, key: ["imageId": .s(imageId)], consistentRead: false, deadline: $0)
        }
        .map(DynamoJobStore.record)
    }

    public func list(_ query: ImageListQuery) async throws -> ImagePage {
        let index: String
        var values: [String: AttributeValue] = [:]
        var condition: String
        var filter: DynamoDBClient.Expression?
        if let camera = query.camera {
            index = CatalogKeys.byOwnerCamera
            condition = "ownerCamera = :key"
            values[":key"] = .s(CatalogKeys.ownerCamera(query.owner, camera))
            if let status = query.status {
                filter = .init(
                    "#status = :status", names: ["#status": "status"], values: [":status": .s(status.rawValue)])
            }
        } else if let status = query.status {
            index = CatalogKeys.byOwnerStatus
            condition = "ownerStatus = :key"
            values[":key"] = .s(CatalogKeys.ownerStatus(query.owner, status))
        } else {
            index = CatalogKeys.byOwner
            condition = "ownerId = :key"
            values[":key"] = .s(query.owner)
        }
        switch (query.from, query.to) {
        case let (from?, to?):
            condition += " AND createdAt BETWEEN :from AND :to"; values[":from"] = .s(from); values[":to"] = .s(to)
        case let (from?, nil): condition += " AND createdAt >= :from"; values[":from"] = .s(from)
        case let (nil, to?): condition += " AND createdAt <= :to"; values[":to"] = .s(to)
        case (nil, nil): break
        }
        let keyCondition = DynamoDBClient.Expression(condition, values: values)
        let startKey = query.after?.mapValues(AttributeValue.s)
        let page = try await awsWork { [dynamo, table, filter] in
            try dynamo.query(
                table: table, index: index, keyCondition: keyCondition, filter: filter, limit: query.limit,
                startKey: startKey, forward: false, deadline: $0)
        }
        let ids = page.items.compactMap { $0["imageId"]?.string }
        let records = try await records(ids).filter { $0.owner == query.owner }
        let next = page.lastKey?.compactMapValues(\.string)
        return ImagePage(records: records, next: next)
    }

    /// The records of `ids`, in that order (those that no longer exist left out).
    private func records(_ ids: [String]) async throws -> [JobRecord] {
        try await DynamoJobStore.records(ids, dynamo: dynamo, table: table, consistent: false)
    }

    public func upload(owner: String, uploadId: String) async throws -> JobRecord? {
        // The image that claimed the upload (a form re-posted makes others, refused
        // `upload_reused`); before any claim, the newest made from it.
        let claim = try await awsWork { [dynamo, table] in
            try dynamo.getItem(
                table: table, key: ["imageId": .s("upload#\(owner)#\(uploadId)")], consistentRead: false, deadline: $0)
        }
        if let claimant = claim?["claimedBy"]?.string, let record = try await record(claimant), record.owner == owner {
            return record
        }
        let condition = DynamoDBClient.Expression("uploadId = :upload", values: [":upload": .s(uploadId)])
        let page = try await awsWork { [dynamo, table] in
            try dynamo.query(
                table: table, index: CatalogKeys.byUpload, keyCondition: condition, limit: 1, forward: false,
                deadline: $0)
        }
        guard let id = page.items.first?["imageId"]?.string else { return nil }
        return try await record(id).flatMap { $0.owner == owner ? $0 : nil }
    }

    public func completed(owner: String, sha256: String) async throws -> JobRecord? {
        let condition = DynamoDBClient.Expression(
            "ownerSha = :key", values: [":key": .s(CatalogKeys.ownerSha(owner, sha256))])
        let page = try await awsWork { [dynamo, table] in
            try dynamo.query(
                table: table, index: CatalogKeys.byOwnerSha, keyCondition: condition, limit: 1, deadline: $0)
        }
        guard let id = page.items.first?["imageId"]?.string else { return nil }
        return try await record(id).flatMap { $0.owner == owner && $0.status == .completed ? $0 : nil }
    }

    public func similar(owner: String, to phash: UInt64, maxDistance: Int, excluding: String, first: Int)
        async throws -> [SimilarImage]
    {
        var distances: [String: Int] = [:]
        // One Query per probe (70), a few at a time: each waits on the network on a thread of its own,
        // reads one page of at most SimilarSearch.itemsPerProbe items, and no probe is sent once
        // SimilarSearch.itemsRead items have come back (a burst of near-identical shots fills
        // the first probes' bands; the nearest are among them anyway).
        let probes = PerceptualBands.probes(phash)
        let found = try await withThrowingTaskGroup(of: [[String: AttributeValue]].self) { group in
            var next = 0
            var items: [[String: AttributeValue]] = []
            func add() {
                let probe = probes[next]
                next += 1
                let condition = DynamoDBClient.Expression(
                    "band = :band", values: [":band": .s(CatalogKeys.band(owner, probe.band, probe.value))])
                group.addTask { [dynamo, similarTable] in
                    try await awsWork {
                        try dynamo.query(
                            table: similarTable, keyCondition: condition, limit: SimilarSearch.itemsPerProbe,
                            deadline: $0
                        ).items
                    }
                }
            }
            while next < min(Self.queriesAtOnce, probes.count) { add() }
            while let answer = try await group.next() {
                items += answer
                if next < probes.count, items.count < SimilarSearch.itemsRead { add() }
            }
            return items
        }
        for item in found {
            guard let id = item["imageId"]?.string, id != excluding,
                let other = item["phash"]?.string.flatMap(PerceptualBands.value)
            else { continue }
            let distance = PerceptualBands.distance(phash, other)
            if distance <= maxDistance { distances[id] = distance }
        }
        let ordered = distances.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(first).map(\.key)
        return try await records(ordered).filter { $0.owner == owner && $0.status == .completed }
            .map { SimilarImage(record: $0, distance: distances[$0.imageId] ?? 0) }
    }

    public func noteErased(_ record: JobRecord, at time: String) async throws {
        let expires = Int((Timestamp.date(time) ?? Date()).addingTimeInterval(rememberErased).timeIntervalSince1970)
        let note: [String: AttributeValue] = CatalogKeys.erased(record.imageId).merging(
            ["erasedBy": .s(record.owner), "erasedAt": .s(time), "expiresAt": .n(String(expires))]) { a, _ in a }
        try await awsWork { [dynamo, table] in try dynamo.putItem(table: table, item: note, deadline: $0) }
    }

    public func forget(_ record: JobRecord, at time: String) async throws {
        let owner = record.owner
        try await noteErased(record, at: time)
        if let phash = record.job?.metadata?.phash,
            let items = CatalogKeys.bandItems(owner: owner, imageId: record.imageId, phash: phash)
        {
            let keys = items.map { $0.filter { $0.key != "phash" } }
            try await awsWork { [dynamo, similarTable] in
                try dynamo.batchWriteItem(table: similarTable, deletes: keys, deadline: $0)
            }
        }
        // Last: while the record exists, erasing it again starts over from the top.
        try await awsWork { [dynamo, table] in
            try dynamo.deleteItem(table: table, key: ["imageId": .s(record.imageId)], deadline: $0)
        }
    }

    public func erasedOwner(_ imageId: String) async throws -> String? {
        try await erasedNote(imageId)?["erasedBy"]?.string
    }

    private func erasedNote(_ imageId: String) async throws -> [String: AttributeValue]? {
        try await awsWork { [dynamo, table] in
            try dynamo.getItem(table: table, key: CatalogKeys.erased(imageId), consistentRead: true, deadline: $0)
        }
    }

    public func noteInvalidation(_ imageId: String, id: String) async throws {
        _ = try await awsWork { [dynamo, table] in
            try dynamo.updateItem(
                table: table, key: CatalogKeys.erased(imageId),
                update: .init("SET invalidation = :id REMOVE watchStatus", values: [":id": .s(id)]),
                condition: .init("attribute_exists(imageId)"), deadline: $0)
        }
    }

    /// The note joins the byStatus index (keys only) under `UNINVALIDATED`, where the reconciler
    /// looks; ``noteInvalidation(_:id:)`` takes it out.
    public func noteInvalidationFailed(_ imageId: String, at time: String) async throws {
        _ = try await awsWork { [dynamo, table] in
            try dynamo.updateItem(
                table: table, key: CatalogKeys.erased(imageId),
                update: .init(
                    "SET watchStatus = :pending, createdAt = :time",
                    values: [":pending": .s(CatalogKeys.uninvalidated), ":time": .s(time)]),
                condition: .init("attribute_exists(imageId)"), deadline: $0)
        }
    }

    public func uninvalidated(first: Int) async throws -> [String] {
        let condition = DynamoDBClient.Expression(
            "watchStatus = :pending", values: [":pending": .s(CatalogKeys.uninvalidated)])
        let page = try await awsWork { [dynamo, table] in
            try dynamo.query(
                table: table, index: "byStatus", keyCondition: condition, limit: first, forward: true, deadline: $0)
        }
        return page.items.compactMap { $0["imageId"]?.string }.filter { $0.hasPrefix("erased#") }
            .map { String($0.dropFirst("erased#".count)) }
    }

    public func erasedInvalidation(_ imageId: String) async throws -> String? {
        try await erasedNote(imageId)?["invalidation"]?.string
    }
}
