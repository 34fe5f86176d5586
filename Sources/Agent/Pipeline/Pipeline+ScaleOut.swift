import DriftKernels
import DriftMonitor
import FoundationEssentials
import Ingest
import KafkaIO
import Logging
import Telemetry

extension Pipeline {
    static let contributionEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let contributionDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    /// Member: closes the oldest open pane and sends its summary, all of a model's to one
    /// summaries partition so that the aggregator reads each member's shares in order. The
    /// pane's offsets are released once Kafka acknowledged it.
    func publishContribution(of target: Watched, topic: String, member: String) throws(PipelineError) {
        let sources = consumer.assignment().map { PaneContribution.Source(topic: $0.topic, partition: $0.partition) }
        guard let closed = target.monitor.closeContribution(space: intake.space, sources: sources, member: member) else { return }
        let contribution = closed.contribution
        guard try sendShare(contribution, key: contribution.key, model: contribution.model, topic: topic) else { return }
        target.metrics.countPaneSummary(.published)
        noteClosed()
        logger.info(
            "pane summary published",
            metadata: [
                "model": "\(contribution.model)", "pane": "\(contribution.pane)", "records": "\(contribution.records)",
                "sources": "\(contribution.sources.map(\.description).joined(separator: ","))",
                "offsets": "\(clock.describe(closed.offsets))",
            ])
    }

    /// Member: sends the shares of the performance windows it finished, to the summaries
    /// partition of the model's pane summaries (so the aggregator reads them in order), each
    /// acknowledged by Kafka before the offsets they held are committed.
    func publishPerformanceShares(
        _ finished: [PerformanceJoin.FinishedWindow], of target: Watched, _ tracker: PerformanceTracker, topic: String, member: String
    ) throws(PipelineError) {
        let inputs = Set(settings.formats.keys)
        let sources = consumer.assignment().filter { inputs.contains($0.topic) }.map { PaneContribution.Source(topic: $0.topic, partition: $0.partition) }
        let kind = PerformanceContribution.header
        for share in tracker.shares(of: finished, model: target.model, sources: sources.sorted(), member: member) {
            guard try sendShare(share, key: share.key, model: share.model, topic: topic, kind: MessageHeader(name: kind.name, string: kind.value))
            else { continue }
            target.metrics.countPaneSummary(.published)
            noteClosed()
            logger.info(
                "performance share published",
                metadata: [
                    "model": "\(share.model)", "window": "\(share.window)", "joined": "\(share.tally?.count ?? 0)", "expired": "\(share.expired)",
                    "sources": "\(share.sources.map(\.description).joined(separator: ","))",
                ])
        }
    }

    /// Sends a member's share as JSON to the model's summaries partition (every share of a
    /// model to one, so the aggregator reads a member's in order), acknowledged by Kafka.
    /// Returns false when it could not be encoded (logged; its pane or window is lost).
    private func sendShare(_ share: some Encodable, key: String, model: String, topic: String, kind: MessageHeader? = nil) throws(PipelineError) -> Bool {
        let value: [UInt8]
        do {
            value = Array(try Self.contributionEncoder.encode(share))
        } catch {
            // Only non-finite numbers could fail, and the strategy above writes them as strings.
            logger.error("a summary could not be encoded; what it summarised is lost", metadata: ["model": "\(model)", "key": "\(key)", "error": "\(error)"])
            return false
        }
        try events.sendAcknowledged(
            topic: topic, key: Array(key.utf8), value: value,
            headers: [MessageHeader(name: "content-type", string: "application/json")] + (kind.map { [$0] } ?? []),
            partition: summariesPartitions(topic: topic).map { Int32(truncatingIfNeeded: FNV1a.hash(model) % UInt64($0)) }, id: key)
        return true
    }

    /// Aggregator: merges a member's share of a performance window, or dead-letters what is not one.
    private func mergePerformanceShare(_ message: borrowing ConsumedMessage, partition: Int) {
        let share: PerformanceContribution
        do {
            share = try Self.contributionDecoder.decode(PerformanceContribution.self, from: message.value.map { Data($0) } ?? Data())
        } catch {
            deadLetter(message, DecodeError(.malformedJSON, at: 0, "not a performance share: \(error)"))
            return
        }
        guard let target = router.configured(share.model) else {
            catalogue.countUnrouted()
            return
        }
        guard let tracker = target.performance else {
            deadLetter(message, DecodeError(.malformedJSON, at: 0, "a performance share for model \(share.model), which has no labels here"))
            return
        }
        switch tracker.merge(share, partition: partition, offset: message.offset) {
        case .merged: target.metrics.countPaneSummary(.merged)
        case .duplicate: target.metrics.countPaneSummary(.duplicate)
        case .late: target.metrics.countPaneSummary(.late)
        case .implausible:
            deadLetter(message, DecodeError(.malformedJSON, at: 0, "a performance share that does not fit model \(share.model)'s task, threshold, window or bins, or one window too many waiting"))
        }
    }

    /// Aggregator: merges a member's share into its pane, or dead-letters what is not one.
    func mergeContribution(_ message: borrowing ConsumedMessage, partition: Int) {
        let kind = PerformanceContribution.header
        if let header = message.header(named: kind.name), header.elementsEqual(kind.value.utf8) {
            return mergePerformanceShare(message, partition: partition)
        }
        let contribution: PaneContribution
        do {
            contribution = try Self.contributionDecoder.decode(PaneContribution.self, from: message.value.map { Data($0) } ?? Data())
        } catch {
            deadLetter(message, DecodeError(.malformedJSON, at: 0, "not a pane summary: \(error)"))
            return
        }
        guard let target = router.configured(contribution.model) else {
            catalogue.countUnrouted()
            return
        }
        guard target.coverage.admit(contribution) else {
            target.metrics.countPaneSummary(.duplicate)
            logger.info(
                "pane summary already merged; ignored",
                metadata: ["model": "\(contribution.model)", "pane": "\(contribution.pane)", "member": "\(contribution.member)"])
            return
        }
        do {
            guard try target.monitor.merge(contribution, space: &intake.decoder.space) else {
                target.metrics.countPaneSummary(.late)
                return
            }
        } catch {
            deadLetter(message, DecodeError(.malformedJSON, at: 0, error.description))
            return
        }
        target.monitor.hold(partition: partition, offset: message.offset)
        target.metrics.countPaneSummary(.merged)
    }

    /// Aggregator: judges every window whose panes all members have closed.
    func closeCompleteAggregatedPanes() throws(PipelineError) {
        guard case .aggregator(let topics) = settings.scaleOut else { return }
        if router.watched.contains(where: { $0.coverage.sources.isEmpty || $0.performance?.coverage.sources.isEmpty == true }) {
            learnInputPartitions(topics)
        }
        for target in router.watched {
            target.monitor.completePanes(before: target.coverage.completeBefore)
            while target.monitor.hasPaneToClose { try closeWindow(target) }
            target.coverage.forget(before: target.coverage.completeBefore)
        }
    }

    /// Every partition of the input topics: a pane is complete once each has a share past it.
    private func learnInputPartitions(_ topics: [String]) {
        var sources: [PaneContribution.Source] = []
        for topic in topics {
            guard let count = consumer.partitionCount(of: topic, timeoutMilliseconds: 1000) else {
                logger.warning("the input topic's partitions are unknown; no window is judged until they are", metadata: ["topic": "\(topic)"])
                return
            }
            sources += (0..<count).map { PaneContribution.Source(topic: topic, partition: Int32($0)) }
        }
        for target in router.watched {
            target.coverage.add(sources: sources)
            target.performance?.coverage.add(sources: sources)
        }
        logger.info("aggregating pane summaries", metadata: ["input_partitions": "\(sources.count)"])
    }

    /// The summaries topic's partition count, asked once.
    func summariesPartitions(topic: String) -> Int? {
        events.partitionCount(of: topic)
    }
}
