/// A change of the consumer's partition assignment, reported while it happens.
public enum RebalanceEvent: Sendable, Hashable {
    case assigned([TopicPartition])
    /// Reported before the partitions are given up, so that their offsets can still be stored.
    case revoked([TopicPartition])
}
