import FoundationEssentials

/// `scale_out:` — how this agent shares its models' windows when their partitions are spread
/// over several agents of one consumer group (event-time windows only).
public struct ScaleOutSettings: Sendable, Codable, Hashable {
    /// This agent's part.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        /// Judges its own windows.
        case standalone
        /// Sends each closed pane's summary to ``ScaleOutSettings/summariesTopic``.
        case member
        /// Reads the summaries, merges the shares of each pane and judges.
        case aggregator
    }

    public var role = Role.standalone
    public var summariesTopic: String = "driftwatch.summaries"
    /// The aggregator's consumer group on the summaries topic; `<kafka.group>-aggregator` if empty.
    public var aggregatorGroup: String = ""
    /// The member's name in its summaries, for logs; the host name if empty.
    public var member: String = ""

    enum CodingKeys: String, CodingKey, CaseIterable {
        case role, member
        case summariesTopic = "summaries_topic"
        case aggregatorGroup = "aggregator_group"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ScaleOutSettings()
        role = try container.decodeChoice(Role.self, forKey: .role) ?? defaults.role
        summariesTopic = try container.decodeIfPresent(String.self, forKey: .summariesTopic) ?? defaults.summariesTopic
        aggregatorGroup = try container.decodeIfPresent(String.self, forKey: .aggregatorGroup) ?? defaults.aggregatorGroup
        member = try container.decodeIfPresent(String.self, forKey: .member) ?? defaults.member
    }

    /// The pipeline's part, for an agent consuming `topics`.
    func pipelineRole(topics: [String]) -> ScaleOut {
        switch role {
        case .standalone: .standalone
        case .member: .member(summariesTopic: summariesTopic, member: member.isEmpty ? ProcessInfo.processInfo.hostName : member)
        case .aggregator: .aggregator(inputTopics: topics)
        }
    }

    /// The consumer's group and topics: the aggregator reads the summaries, not the records.
    func subscription(of kafka: AgentConfiguration.Kafka) -> (group: String, topics: [String]) {
        guard role == .aggregator else { return (kafka.group, kafka.topics) }
        return (aggregatorGroup.isEmpty ? "\(kafka.group)-aggregator" : aggregatorGroup, [summariesTopic])
    }
}
