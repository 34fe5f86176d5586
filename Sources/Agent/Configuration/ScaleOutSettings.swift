import Foundation

/// `scale_out:` — how this agent shares its models' windows when their partitions are spread
/// over several agents of one consumer group (event-time windows only).
public struct ScaleOutSettings: Sendable, Codable, Hashable {
    /// `standalone` judges its own windows; a `member` sends each closed pane's summary to
    /// ``summariesTopic``; the `aggregator` reads them, merges the shares and judges.
    public var role: String = "standalone"
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
        role = try container.decodeIfPresent(String.self, forKey: .role) ?? defaults.role
        summariesTopic = try container.decodeIfPresent(String.self, forKey: .summariesTopic) ?? defaults.summariesTopic
        aggregatorGroup = try container.decodeIfPresent(String.self, forKey: .aggregatorGroup) ?? defaults.aggregatorGroup
        member = try container.decodeIfPresent(String.self, forKey: .member) ?? defaults.member
    }

    static let roles = ["standalone", "member", "aggregator"]

    /// The pipeline's part, for an agent consuming `topics`.
    func pipelineRole(topics: [String]) -> ScaleOut {
        switch role {
        case "member": .member(summariesTopic: summariesTopic, member: member.isEmpty ? ProcessInfo.processInfo.hostName : member)
        case "aggregator": .aggregator(inputTopics: topics)
        default: .standalone
        }
    }

    /// The consumer's group and topics: the aggregator reads the summaries, not the records.
    func subscription(of kafka: AgentConfiguration.Kafka) -> (group: String, topics: [String]) {
        guard role == "aggregator" else { return (kafka.group, kafka.topics) }
        return (aggregatorGroup.isEmpty ? "\(kafka.group)-aggregator" : aggregatorGroup, [summariesTopic])
    }
}
