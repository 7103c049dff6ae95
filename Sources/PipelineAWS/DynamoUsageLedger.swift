public import Pipeline
public import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Owners' counters in AWS: one item per owner in the images table, `usage#OWNER` (docs/api.md,
/// "Quotas"). An admission reads it (strongly consistent), computes the next state
/// (``UsageState``) and writes it back only over the revision it read, so two admissions at once
/// never both take the last place; the one that loses reads again. A final status and an erase
/// change it with one `UpdateItem` each, which also moves the revision. No scan, ever.
public struct DynamoUsageLedger: UsageLedger {
    private let dynamo: DynamoDBClient
    private let table: String

    public init(dynamo: DynamoDBClient, table: String) {
        self.dynamo = dynamo
        self.table = table
    }

    /// Admissions that lose a race read and try again this many times before answering 503.
    static let attempts = 5

    private func key(_ owner: String) -> [String: AttributeValue] { ["imageId": .s("usage#\(owner)")] }

    private func read(_ owner: String) async throws -> UsageState? {
        let item = try await awsWork { [dynamo, table, key = key(owner)] in
            try dynamo.getItem(table: table, key: key, deadline: $0)
        }
        return try item.map { try DynamoItemCoder.value(UsageState.self, from: $0) }
    }

    public func usage(owner: String, limits: QuotaLimits, now: Double) async throws -> UsageState {
        (try await read(owner) ?? UsageState()).at(now, limits: limits)
    }

    public func admit(
        owner: String, uploadId: String, bytes: Int, leaseUntil: Int, limits: QuotaLimits, now: Double
    ) async throws -> UsageState {
        for _ in 0..<Self.attempts {
            let read = try await read(owner)
            let next = try (read ?? UsageState()).at(now, limits: limits)
                .admitting(uploadId: uploadId, bytes: bytes, leaseUntil: leaseUntil, limits: limits, now: now).get()
            var item = try DynamoItemCoder.item(next)
            item.merge(key(owner)) { _, key in key }
            let condition: DynamoDBClient.Expression =
                read.map { .init("revision = :read", values: [":read": .n(String($0.revision))]) }
                ?? .init("attribute_not_exists(imageId)")
            do {
                try await awsCall { [dynamo, table, item] in
                    try dynamo.putItem(table: table, item: item, condition: condition, deadline: $0)
                }
                return next
            } catch let error as AWSError where error.kind == .conditionFailed {
                continue
            } catch let error as AWSError {
                throw PipelineError(error)
            }
        }
        throw PipelineError(.transient, "owner \(owner)'s counters changed \(Self.attempts) times while being read")
    }

    public func settled(owner: String, uploadId: String, storedBytes: Int) async throws {
        // Only where an admission wrote the item (it always does, for an API upload): a lease is
        // removed from a map that exists, or the expression is invalid.
        try await change(
            owner,
            .init(
                "REMOVE leases.#upload ADD storedBytes :bytes, revision :one", names: ["#upload": uploadId],
                values: [":bytes": .n(String(storedBytes)), ":one": .n("1")]),
            where: "attribute_exists(leases)")
    }

    public func freed(owner: String, bytes: Int) async throws {
        try await change(
            owner,
            .init("ADD storedBytes :bytes, revision :one", values: [":bytes": .n(String(-bytes)), ":one": .n("1")]),
            where: "attribute_exists(imageId)")
    }

    /// One `UpdateItem` of the owner's item, skipped (not an error) when `condition` does not hold.
    private func change(_ owner: String, _ update: DynamoDBClient.Expression, where condition: String) async throws {
        do {
            _ = try await awsCall { [dynamo, table, key = key(owner)] in
                try dynamo.updateItem(table: table, key: key, update: update, condition: .init(condition), deadline: $0)
            }
        } catch let error as AWSError where error.kind == .conditionFailed {
            return
        } catch let error as AWSError {
            throw PipelineError(error)
        }
    }
}
