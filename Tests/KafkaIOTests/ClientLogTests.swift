import KafkaIO
import Logging
import Synchronization
import Testing

/// librdkafka's own log lines reach the client's logger: a property of the other client kind
/// makes librdkafka warn (`CONFWARN`) while the client is created, before any broker answers.
@Suite("KafkaIO: librdkafka's log lines through the client's logger")
struct ClientLogTests {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
        var source: String
    }

    /// Hands every event logged through it to `recorded`.
    struct RecordingHandler: LogHandler {
        let recorded: Recorded
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let line = Line(level: event.level, message: event.message.description, metadata: event.metadata ?? [:], source: event.source)
            recorded.lines.withLock { $0.append(line) }
        }
    }

    final class Recorded: Sendable {
        let lines = Mutex<[Line]>([])
        var logger: Logger { Logger(label: "test") { [self] _ in RecordingHandler(recorded: self) } }
        func warnings(facility: String) -> [Line] {
            lines.withLock { $0.filter { $0.metadata["facility"]?.description == facility } }
        }
    }

    enum Client: String, CaseIterable, Sendable {
        case producer, consumer

        /// A property of the other kind of client, which librdkafka warns it ignores.
        var foreignProperty: String { self == .producer ? "session.timeout.ms" : "queue.buffering.max.ms" }
        var other: Client { self == .producer ? .consumer : .producer }
    }

    @Test("A property of the other client kind: librdkafka's warning is a swift-log warning naming facility and client", arguments: Client.allCases)
    func warning(client: Client) throws {
        let recorded = Recorded()
        let cluster = try MockCluster()
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration[client.foreignProperty] = "5000"
        switch client {
        case .producer: #expect(try KafkaProducer(configuration: configuration, logger: recorded.logger).close())
        case .consumer: #expect(try KafkaConsumer.observing(groupID: "g", configuration: configuration, logger: recorded.logger).close())
        }
        let warnings = recorded.warnings(facility: "CONFWARN")
        #expect(warnings.count == 1, "\(recorded.lines.withLock { $0.map(\.message) })")
        let warning = try #require(warnings.first)
        #expect(warning.level == .warning)
        #expect(warning.source == "librdkafka")
        #expect(
            warning.message.contains(
                "\(client.foreignProperty) is a \(client.other.rawValue) property and will be ignored by this \(client.rawValue) instance"))
        #expect(warning.metadata["client"]?.description.hasPrefix("rdkafka#\(client.rawValue)-") == true)
    }
}
