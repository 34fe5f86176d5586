/// A change of the consumer's partition assignment, reported while it happens.
public enum RebalanceEvent: Sendable, Hashable {
    case assigned([TopicPartition])
    /// Reported before the partitions are given up, so that their offsets can still be stored.
    case revoked([TopicPartition])
    /// The partitions were taken away: the session ended without a group coordinator to leave
    /// through (`rd_kafka_assignment_lost`). Their offsets can no longer be committed; a commit
    /// would wait for a coordinator that is gone.
    case lost([TopicPartition])
}
