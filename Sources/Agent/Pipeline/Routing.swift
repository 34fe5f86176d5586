/// Where a record's model name comes from.
public enum Routing: Sendable, Hashable {
    /// The record's own: its JSON model field, its CloudEvent's service name, its Seldon topic.
    case field
    /// The Kafka message key.
    case key
    /// A Kafka message header.
    case header(String)
}
