import DriftMonitor
import Ingest
#if canImport(Glibc)
import Glibc
#endif
import KafkaIO
import Logging
import Telemetry

extension Pipeline {
    public struct Settings: Sendable {
        public var eventsTopic: String
        public var dlqTopic: String
        public var untilEnd: Bool
        public var pollTimeoutMilliseconds: Int32 = 100
        /// Attempts to publish an event before the pipeline gives up (and stores no offset past it).
        public var publishAttempts: Int = 5
        /// The record format of each topic; topics not named are JSON.
        public var formats: [String: RecordDecoder.Format] = [:]
        /// The feature of each column of an inference tensor, by tensor name.
        public var tensors: [String: [String]] = [:]
        /// How long a request waits for its response (and the other way round).
        public var joinTimeoutMilliseconds: Int64 = 30_000
        /// The most halves waiting in the join; beyond it the oldest goes alone.
        public var joinCapacity = 100_000
        /// Where JSON records keep what is not a feature.
        public var jsonFields = JSONFields()
        /// Fields declared ignored: skipped without counting as unknown fields.
        public var ignoredFields: [String] = []
        /// Where a record's model name comes from.
        public var routing = Routing.field
        /// Per model, the names that route to it (by default its own).
        public var routes: [String: [String]] = [:]
        /// How long a partition read to its end still holds event-time panes back.
        public var idlePartitionMilliseconds: Int64 = 10_000
        /// Whether this agent judges windows itself, or shares them through the summaries topic.
        public var scaleOut = ScaleOut.standalone
        /// Where a record's segment comes from, for the models in ``segmentLimits``.
        public var segmentSource: Routing?
        /// Per segmented model: the most segments with a monitor of their own.
        public var segmentLimits: [String: Int] = [:]

        public init(eventsTopic: String, dlqTopic: String, untilEnd: Bool) {
            self.eventsTopic = eventsTopic
            self.dlqTopic = dlqTopic
            self.untilEnd = untilEnd
        }
    }

    /// What the pipeline reports after each closed window.
    public struct WindowOutcome: Sendable {
        public var report: WindowReport
        public var state: DriftStateMachine.State
        public var events: [DriftEvent]
        /// The offsets of the records the window took, per partition (first...last).
        public var offsets: [TopicPartition: ClosedRange<Int64>]
    }

    /// Where a record's model name comes from.
    public enum Routing: Sendable, Hashable {
        /// The record's own: its JSON model field, its CloudEvent's service name, its Seldon topic.
        case field
        /// The Kafka message key.
        case key
        /// A Kafka message header.
        case header(String)
    }

    final class Watched {
        var monitor: Monitor
        let metrics: ModelMetrics
        /// The configured model this monitor watches (or a segment of).
        let model: String
        /// Segmented model: the most segments, each watched on its own, by segment value.
        let segmentLimit: Int
        var segments: [[UInt8]: Watched] = [:]
        /// Records of segments past the limit were seen (and went to the model's own monitor).
        var segmentsOverflowed = false
        /// A new reference, waiting for the monitor to have no open pane.
        var pendingReference: ReferenceProfile?
        /// Aggregator: which panes every member has closed.
        var coverage = PaneCoverage(sources: [])
        var uncountedRecords = 0
        var uncountedLate = 0

        init(monitor: Monitor, metrics: ModelMetrics, model: String, segmentLimit: Int = 0) {
            self.monitor = monitor
            self.metrics = metrics
            self.model = model
            self.segmentLimit = segmentLimit
        }
    }
}

extension Pipeline.Watched {
    func countRecords() {
        if uncountedRecords > 0 {
            metrics.countRecords(uncountedRecords)
            uncountedRecords = 0
        }
        if uncountedLate > 0 {
            metrics.countLate(uncountedLate)
            uncountedLate = 0
        }
    }
}

/// Why the pipeline stopped on its own.
public enum PipelineError: Error, CustomStringConvertible {
    case publish(String, KafkaError)
    case deadLetter(KafkaError)

    public var description: String {
        switch self {
        case .publish(let id, let error): "event \(id) could not be published: \(error)"
        case .deadLetter(let error): "a bad record could not be dead-lettered: \(error)"
        }
    }
}

extension DriftStateMachine.Action {
    var eventKind: DriftEvent.Kind {
        switch self {
        case .driftDetected: .driftDetected
        case .retrainingRequested: .retrainingRequested
        case .driftResolved: .driftResolved
        }
    }
}

func wallMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

func sleepMilliseconds(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    nanosleep(&request, nil)
}
