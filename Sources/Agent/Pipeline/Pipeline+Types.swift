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
        /// Once asked to stop, how long events and dead letters still wait for Kafka's acknowledgement.
        public var shutdownGrace = Duration.seconds(3)
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
        /// Per model with labels: what its performance tracker starts from.
        var performance: [String: PerformanceTracker.Input] = [:]
        /// Called on the pipeline thread after each judged performance window.
        public var performanceObserver: (@Sendable (PerformanceOutcome) -> Void)?

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
}

/// How many records the pipeline took, and when the first and the last arrived: the stop line
/// reports the rate between them (without the group join, or the wait for the end of an
/// `untilEnd` run).
struct RecordTally {
    private(set) var records = 0
    private var firstRecordAt: ContinuousClock.Instant?
    var lastRecordAt: ContinuousClock.Instant?

    mutating func count() {
        if records == 0 { firstRecordAt = .now }
        records += 1
    }

    var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["records": "\(records)"]
        if let firstRecordAt, let lastRecordAt {
            let seconds = (lastRecordAt - firstRecordAt).inSeconds
            metadata["seconds_first_to_last_record"] = "\(seconds)"
            metadata["records_per_second"] = "\(Int((Double(records) / max(seconds, 1e-9)).rounded()))"
        }
        return metadata
    }
}

/// Why the pipeline stopped on its own.
public enum PipelineError: Error, CustomStringConvertible {
    /// Kafka refused an event (or a pane summary) every time it was sent.
    case publish(String, KafkaError)
    /// Kafka refused, or did not acknowledge in time, a dead-lettered copy.
    case deadLetter(KafkaError)
    /// The agent was asked to stop before Kafka acknowledged what it was waiting for: nothing
    /// past it is committed, and a restart reads it again.
    case stopped(String)

    public var description: String {
        switch self {
        case .publish(let id, let error): "event \(id) could not be published: \(error)"
        case .deadLetter(let error): "a bad record could not be dead-lettered: \(error)"
        case .stopped(let what): "stopped before Kafka acknowledged \(what)"
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

extension Pipeline {
    /// A performance window judged: its predictions' metrics once their labels came.
    public struct PerformanceOutcome: Sendable {
        public var model: String
        /// The span of prediction time, in milliseconds since the epoch.
        public var start: Int64
        public var end: Int64
        public var joined: Int
        public var expired: Int
        public var values: [PerformanceMetric: Double]
        public var breaches: [PerformanceBreach]
        public var state: DriftStateMachine.State
        public var events: [DriftEvent]
    }
}
