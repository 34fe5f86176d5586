/// How an agent shares a model's windows with the other members of its consumer group.
///
/// When a model's partitions are spread over several agents, each sees only part of every
/// window. Members then send each closed event-time pane's mergeable summary to the
/// summaries topic instead of judging it; one aggregator merges the shares of each pane and
/// judges the windows (metrics and events), as one agent reading every partition would.
public enum ScaleOut: Sendable, Hashable {
    /// Judges its own windows.
    case standalone
    /// Sends pane summaries to `summariesTopic`, named `member` in them.
    case member(summariesTopic: String, member: String)
    /// Reads the summaries topic (the consumer's only topic); the models' records come from
    /// `inputTopics`, whose partitions every pane must be closed on before it is judged.
    case aggregator(inputTopics: [String])
}
