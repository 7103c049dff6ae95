/// How a deployment tells failures to owners (``StageRunner/publicErrors``): the names that are
/// its own, taken out of every message a record keeps, and where the raw error goes instead.
public struct PublicErrors: Sendable {
    /// Bucket, table, topic and function names: replaced in messages (ARNs and account ids go anyway).
    public var names: [String]
    /// Writes the raw error, under its reference, to the function's log.
    public var log: @Sendable (_ reference: String, _ imageId: String, _ raw: String) -> Void

    public init(
        names: [String], log: @escaping @Sendable (_ reference: String, _ imageId: String, _ raw: String) -> Void
    ) {
        self.names = names
        self.log = log
    }
}
