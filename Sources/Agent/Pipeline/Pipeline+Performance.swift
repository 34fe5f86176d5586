import DriftMonitor
import Ingest
import KafkaIO
import Logging
import Telemetry

/// Model performance: predictions and labels to each model's ``PerformanceTracker``, its
/// estimate when a drift window closes, and its performance windows judged and published.
extension Pipeline {
    /// Gives each model with labels its tracker, and the labels topics their readers.
    func startPerformance(now: Int64) {
        for target in router.watched {
            guard let input = settings.performance[target.model] else { continue }
            target.performance = PerformanceTracker(
                settings: input.settings, reference: input.reference, classes: input.classes,
                metrics: catalogue.makePerformanceMetrics(model: target.model, task: input.settings.task), now: now)
            let topic = input.settings.labelsTopic
            guard let index = consumer.topics.firstIndex(of: topic), !settings.formats.keys.contains(topic) else { continue }
            router.labelReaders[index, default: []].append(target)
        }
    }

    /// A message of a labels topic, to every model reading it; false for other topics.
    func processLabel(_ message: borrowing ConsumedMessage, partition: Int) -> Bool {
        guard let readers = router.labelReaders[message.topicIndex] else { return false }
        let now = wallMilliseconds()
        for target in readers {
            do {
                try target.performance?.label(message.value, partition: partition, offset: message.offset, now: now)
            } catch {
                deadLetter(message, error)
                break
            }
        }
        return true
    }

    /// The payload's prediction (and label) to its model's tracker; false when the drift
    /// windows must not count the record (a label in a later copy of the record, or a record
    /// read again for its prediction only).
    func trackPerformance(of payload: InferencePayload, target: Watched, origins: some Collection<InferenceJoin.Origin>) -> Bool {
        guard let tracker = target.performance else { return true }
        return tracker.record(payload, origins: origins, now: wallMilliseconds())
    }

    /// A drift window closed: its estimated performance.
    func performanceDriftWindowClosed(_ target: Watched) {
        guard let estimated = target.performance?.driftWindowClosed() else { return }
        logger.debug("estimated performance", metadata: ["model": "\(target.model)", "values": "\(Self.describe(estimated))"])
    }

    /// Judges the performance windows whose labels came, and publishes what they raise; a
    /// member shares them instead, and the aggregator judges the windows its members finished.
    func finishPerformance() throws(PipelineError) {
        guard router.watched.contains(where: { $0.performance != nil }) else { return }
        // Prediction time has passed a window in every partition of the logs: it is closed.
        let watermark = eventTimeLimit(topics: Set(settings.formats.keys))
        for target in router.watched {
            guard let tracker = target.performance else { continue }
            switch settings.scaleOut {
            case .standalone:
                tracker.advance(watermark: watermark, now: wallMilliseconds())
                try publish(tracker.judge(tracker.finishWindows(now: wallMilliseconds())), of: target, tracker)
            case .member(let topic, let member):
                tracker.advance(watermark: watermark, now: wallMilliseconds())
                try publishPerformanceShares(tracker.finishWindows(now: wallMilliseconds()), of: target, tracker, topic: topic, member: member)
            case .aggregator:
                try publish(tracker.judge(tracker.completeWindows()), of: target, tracker)
            }
        }
    }

    /// Publishes the events of judged windows, and tells the observer and the log.
    private func publish(_ verdicts: [PerformanceTracker.Verdict], of target: Watched, _ tracker: PerformanceTracker) throws(PipelineError) {
        for verdict in verdicts {
            let kinds: [DriftEvent.Kind] = verdict.actions.compactMap { action in
                switch action {
                case .driftDetected: .performanceDegraded
                case .retrainingRequested: .retrainingRequested
                case .driftResolved: nil
                }
            }
            let events = kinds.map { kind in
                var event = DriftEvent(
                    kind: kind, model: target.model, referenceVersion: target.monitor.reference.version, start: verdict.start,
                    end: verdict.end, records: verdict.window.tally.count, breaches: verdict.breaches)
                event.modelVersion = target.monitor.reference.modelVersion
                return event
            }
            if !verdict.unjudged.isEmpty && !tracker.warnedUnjudged {
                tracker.warnedUnjudged = true
                logger.warning(
                    "no threshold for some performance metrics: the labelled reference has fewer than two chunks of a window's records; set policy.performance for them",
                    metadata: ["model": "\(target.model)", "metrics": "\(verdict.unjudged.map(\.rawValue))", "window_records": "\(verdict.window.tally.count)"])
            }
            try self.events.publish(events, metrics: target.metrics)
            noteClosed()
            settings.performanceObserver?(
                PerformanceOutcome(
                    model: target.model, start: verdict.start, end: verdict.end, joined: verdict.window.tally.count,
                    expired: verdict.window.expired, values: verdict.values, breaches: verdict.breaches, state: verdict.state,
                    events: events))
            logger.info(
                "performance window judged",
                metadata: [
                    "model": "\(target.model)", "window": "\(verdict.start)-\(verdict.end)", "joined": "\(verdict.window.tally.count)",
                    "expired": "\(verdict.window.expired)", "values": "\(Self.describe(verdict.values))",
                    "breaches": "\(verdict.breaches.map(\.metric.rawValue))", "state": "\(verdict.state.gauge)",
                    "events": "\(events.map(\.id).joined(separator: ","))",
                ])
        }
    }

    /// By partition id, the lowest offset the models' performance still needs.
    func performanceHeldOffsets() -> [Int: Int64] {
        var held: [Int: Int64] = [:]
        for target in router.watched {
            for (partition, offset) in target.performance?.heldOffsets() ?? [:] { held[partition] = min(held[partition] ?? offset, offset) }
        }
        return held
    }

    /// Partitions are given up: what waits for labels is read again by their next owner.
    func resetPerformance() {
        for target in router.watched { target.performance?.reset(now: wallMilliseconds()) }
    }

    /// `accuracy=0.91,f1=0.88`, by metric.
    static func describe(_ values: [PerformanceMetric: Double]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ",")
    }
}
