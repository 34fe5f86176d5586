/// What a group committed for a partition.
public struct CommittedOffset: Sendable, Hashable {
    /// The next offset to read; nil when the group committed none.
    public var offset: Int64?
    /// What was committed with it.
    public var metadata: [UInt8]

    public init(offset: Int64?, metadata: [UInt8]) {
        self.offset = offset
        self.metadata = metadata
    }
}
