import DriftMonitor
import FoundationEssentials

/// Every model's drift state, committed as the metadata of each partition's offset so that
/// state and position are stored in one request and restored together.
struct PipelineCheckpoint: Codable, Hashable {
    /// The format of the encoding; a checkpoint of another format is ignored.
    static let format = 1
    /// Kafka's default `offset.metadata.max.bytes` is 4096.
    static let maximumBytes = 4000

    var format = PipelineCheckpoint.format
    var models: [String: Monitor.Checkpoint]
    /// Models with labels: their performance state (absent in checkpoints of other agents).
    var performance: [String: PerformanceCheckpoint]?
    /// With labels, per "topic/partition": where the drift windows resume when predictions
    /// waiting for labels hold the commit behind them. Records below it feed only the join.
    var resume: [String: Int64]?

    init(models: [String: Monitor.Checkpoint]) {
        self.models = models
    }

    init?(decoding bytes: [UInt8]) {
        guard let checkpoint = try? JSONDecoder().decode(PipelineCheckpoint.self, from: Data(bytes)),
            checkpoint.format == PipelineCheckpoint.format
        else { return nil }
        self = checkpoint
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? Array(encoder.encode(self))) ?? []
    }
}
