import DriftMonitor
import HTTP
import Ingest
import KafkaIO
import Logging
import Telemetry

/// Source -> decoder -> router -> monitors -> sinks, on one thread, one poll batch at a time.
///
/// Delivery is at-least-once: a partition's offset is committed only up to the first record
/// still inside an open window, and only after the events of every closed window before it
/// and the dead-letter copies of every bad record before it were acknowledged by Kafka. Each
/// commit carries every model's drift state (``Monitor/Checkpoint``), so a restarted agent
/// judges the replayed window as the crashed one would have. A rebalance discards the open
/// windows: their records are read again from the committed offsets, by whichever member
/// owns them now, and so are never counted twice in closed windows.
///
/// The pipeline wires its stages: ``RecordIntake`` decodes, ``ModelRouter`` picks the monitor,
/// ``EventSink`` and ``DeadLetterSink`` publish, ``OffsetLedger`` paces commits,
/// ``PartitionClock`` tracks event time, and ``ConsumerLifecycle`` decides what a rebalance or
/// a failure inside a poll does to the rest of it.
public final class Pipeline {
    let settings: Settings
    let consumer: KafkaConsumer
    let logger: Logger
    let observer: (WindowOutcome) -> Void
    var intake: RecordIntake
    /// Requests and responses logged apart wait here for their other half. Not in `intake`:
    /// a released pair is delivered (reading `intake`) while the join is being changed.
    var join: InferenceJoin
    let router: ModelRouter
    var clock: PartitionClock
    var ledger = OffsetLedger()
    var lifecycle = ConsumerLifecycle()
    let events: EventSink
    let deadLetters: DeadLetterSink
    let health: ConsumerHealth
    var tally = RecordTally()

    /// Records taken from Kafka since the start (valid, invalid and unrouted).
    public var recordsConsumed: Int { tally.records }

    /// - Parameters:
    ///   - monitors: one per model, built over `space`.
    ///   - observer: called on the pipeline thread after each closed window.
    public init(
        settings: Settings, consumer: KafkaConsumer, producer: KafkaProducer, space: FeatureSpace, monitors: [Monitor],
        catalogue: MetricCatalogue, readiness: Readiness, logger: Logger, referenceUpdates: ReferenceUpdates? = nil,
        observer: @escaping (WindowOutcome) -> Void = { _ in }
    ) {
        self.settings = settings
        self.consumer = consumer
        self.logger = logger
        self.observer = observer
        intake = RecordIntake(space: space, topics: consumer.topics, settings: settings)
        join = InferenceJoin(timeoutMilliseconds: settings.joinTimeoutMilliseconds, capacity: settings.joinCapacity)
        router = ModelRouter(
            monitors: monitors, routes: settings.routes, segmentLimits: settings.segmentLimits, referenceUpdates: referenceUpdates,
            catalogue: catalogue, logger: logger)
        clock = PartitionClock(idleMilliseconds: settings.idlePartitionMilliseconds)
        events = EventSink(producer: producer, topic: settings.eventsTopic, attempts: settings.publishAttempts, readiness: readiness, logger: logger)
        deadLetters = DeadLetterSink(producer: producer, topic: settings.dlqTopic, logger: logger)
        health = ConsumerHealth(consumer: consumer, readiness: readiness, catalogue: catalogue, logger: logger)
        startPerformance(now: wallMilliseconds())
        consumer.onRebalance { [unowned self] event in rebalance(event) }
        consumer.onAssignment { [unowned self] partitions in resumeOffsets(of: partitions) }
    }

    var catalogue: MetricCatalogue { router.catalogue }

    /// Runs until `shouldStop` says so (checked between polls; Kafka's acknowledgements are
    /// awaited ``Settings/shutdownGrace`` longer) or, with `untilEnd`, until every assigned
    /// partition is read to its end. Then stores the safe offsets, commits and leaves the
    /// group. Blocks: call it on a dedicated thread.
    public func run(shouldStop: () -> Bool) throws(PipelineError) {
        defer {
            health.readiness.set(ready: false, reason: "stopped")
            consumer.close()
            // Every event and dead letter was acknowledged or given up on: drop what is left.
            events.producer.close(timeoutMilliseconds: 0)
        }
        // The producer learns its topics' leaders now: the first event would otherwise wait
        // for that lookup (~0.5 s seen) while the window that raised it holds the pipeline.
        for topic in [settings.eventsTopic, settings.dlqTopic] { _ = events.producer.partitionCount(of: topic, timeoutMilliseconds: 2_000) }
        do {
            try withoutActuallyEscaping(shouldStop) { (shouldStop) throws(PipelineError) in
                let grace = ShutdownGrace(grace: settings.shutdownGrace, shouldStop: shouldStop)
                events.shouldStop = { grace.isOver }
                defer { events.shouldStop = { false } }
                try consume(shouldStop: shouldStop, grace: grace)
            }
        } catch {
            // The consumer's close must not commit: the safe offsets may be past what failed.
            lifecycle.failed(error)
            guard case .stopped(let what) = error else { throw error }
            logger.warning(
                "stopped before Kafka acknowledged \(what): nothing after the last commit is committed, a restart reads it again",
                metadata: tally.metadata)
            return
        }
        var metadata = tally.metadata
        if let peak = ProcessStatistics.peakResidentBytes() { metadata["peak_resident_bytes"] = "\(peak)" }
        logger.info("pipeline stopped", metadata: metadata)
    }

    private func consume(shouldStop: () -> Bool, grace: ShutdownGrace) throws(PipelineError) {
        // A local, not a stored property: handing a class's stored value on copies it (a retain
        // and a release of each of its arrays per record, 5-8% of the time in a profile).
        var payload = InferencePayload(space: intake.space)
        while !shouldStop() {
            // Read to the end with --until-end: one last look without waiting, then stop.
            let caughtUp = settings.untilEnd && consumer.hasReadAssignmentToFetchedEnd
            let received = consumer.poll(timeoutMilliseconds: caughtUp ? 0 : settings.pollTimeoutMilliseconds) { message in
                process(message, into: &payload)
            }
            if received > 0 { tally.lastRecordAt = .now }
            try endPoll()
            // Once shutdown began, /readyz stays 503 (the service set it).
            if !shouldStop() { health.updateReadiness() }
            try finishBatch(grace: grace)
            if received == 0 && settings.untilEnd && (caughtUp || consumer.isAtEndOfAssignment) {
                try closeCompleteEventTimePanes()
                break
            }
        }
        lifecycle.drain()
        health.readiness.set(ready: false, reason: "draining")
        try finishBatch(grace: grace)
        commit(force: true)
    }

    /// Carries out what the lifecycle decided about the poll that just returned.
    private func endPoll() throws(PipelineError) {
        switch lifecycle.pollEnded() {
        case .proceed: break
        case .seek(let rewind): rewindAfterRebalance(rewind)
        case .fail(let error): throw error
        }
    }

    func process(_ message: borrowing ConsumedMessage, into payload: inout InferencePayload) {
        let topicIndex = message.topicIndex
        let partitionNumber = message.partition
        let action = lifecycle.received(offset: message.offset, from: TopicPartition(topic: consumer.topics[topicIndex], partition: partitionNumber))
        guard action == .process else { return }
        tally.count()
        let partition = clock.id(topicIndex: topicIndex, partition: partitionNumber, topic: consumer.topics[topicIndex])
        if processLabel(message, partition: partition) { return }
        if case .aggregator = settings.scaleOut {
            mergeContribution(message, partition: partition)
            return
        }
        do {
            try intake.decode(message, into: &payload)
        } catch {
            deadLetter(message, error)
            return
        }
        if payload.role == .error {
            router.target(model: payload.model, segment: payload.segment, space: intake.space)?.metrics.countServingError()
            return
        }
        let origin = InferenceJoin.Origin(partition: partition, offset: message.offset)
        if let time = payload.timestampMilliseconds { clock.observe(eventTime: time, partition: partition) }
        guard payload.role != .complete else {
            deliver(payload, origins: CollectionOfOne(origin))
            return
        }
        let now = wallMilliseconds()
        join.offer(payload, origin: origin, eventTime: payload.timestampMilliseconds ?? now, wallTime: now) { release in
            catalogue.countJoin(outcome: release.outcome.rawValue)
            deliver(release.payload, origins: release.origins)
        }
    }

    /// Routes a payload's rows to their model's monitor, closing windows as they fill.
    func deliver(_ payload: InferencePayload, origins: some Collection<InferenceJoin.Origin>) {
        guard let target = router.target(model: payload.model, segment: payload.segment, space: intake.space) else {
            catalogue.countUnrouted()
            return
        }
        guard trackPerformance(of: payload, target: target, origins: origins) else { return }
        var flags: Monitor.RecordFlags = []
        // A response alone shares its id with a request already counted.
        if !payload.id.isEmpty && payload.role != .response
            && payload.id.withUnsafeBytes({ target.monitor.isDuplicate(requestID: $0) })
        {
            flags.insert(.duplicate)
        }
        if payload.unknownFields > 0 { flags.insert(.unknownFields) }
        for index in 0..<payload.rowCount {
            guard target.monitor.append(payload.rows[index], eventTime: payload.timestampMilliseconds, flags: flags) else {
                target.uncountedLate += 1
                continue
            }
            // The payload's records hold back the offsets of every pane its rows go to.
            for origin in origins { target.monitor.hold(partition: origin.partition, offset: origin.offset) }
            if index == 0 && payload.unknownFields > 0 {
                payload.unknownFieldName.withUnsafeBytes { target.monitor.noteUnknownField(named: $0) }
            }
            target.uncountedRecords += 1
            while target.monitor.hasPaneToClose {
                do {
                    try closeWindow(target)
                } catch {
                    lifecycle.failed(error)
                    return
                }
            }
        }
    }

    /// Input ended: closes the event-time panes before the newest record's (the drain after
    /// the loop commits them).
    func closeCompleteEventTimePanes() throws(PipelineError) {
        // The aggregator's input has no end of its own: it judges only what every member closed.
        if case .aggregator = settings.scaleOut { return }
        for target in router.watched {
            target.monitor.drainEventTime()
            while target.monitor.hasPaneToClose { try closeWindow(target) }
        }
    }

    func deadLetter(_ message: borrowing ConsumedMessage, _ error: DecodeError) {
        let metrics = router.watched[0].metrics
        metrics.countInvalid(reason: error.reason.rawValue)
        do {
            try deadLetters.send(message, from: consumer.topics[message.topicIndex], error: error)
            metrics.countDeadLettered()
        } catch {
            lifecycle.failed(.deadLetter(error))
        }
    }

    func closeWindow(_ target: Watched) throws(PipelineError) {
        let closing = ContinuousClock.now
        target.countRecords()
        catalogue.noteCategoryValuesCut(total: intake.space.dictionaries.reduce(0) { $0 + $1.valuesCut })
        if case .member(let topic, let member) = settings.scaleOut {
            try publishContribution(of: target, topic: topic, member: member)
            return
        }
        guard let closed = target.monitor.closePane(space: intake.space, wallTime: wallMilliseconds()) else { return }
        let (report, actions) = (closed.report, closed.actions)
        let state = target.monitor.stateMachine.state
        target.metrics.record(report, state: state)
        let partitions = actions.isEmpty ? 0 : assignmentDigest()
        let events = actions.map { action in
            var event = DriftEvent(kind: action.eventKind, report: report, policy: target.monitor.policy, partitions: partitions)
            event.modelVersion = target.monitor.reference.modelVersion
            return event
        }
        try self.events.publish(events, metrics: target.metrics)
        let offsets = Dictionary(uniqueKeysWithValues: closed.offsets.map { (clock[$0.key], $0.value) })
        noteClosed()
        logger.info(
            "window closed",
            metadata: [
                "model": "\(report.model)", "window": "\(report.index)", "records": "\(report.records)",
                "drifted": "\(report.driftedFeatures.map(\.name))", "state": "\(state.gauge)",
                "quality_breaches": "\(report.qualityBreaches.map { [$0.feature, $0.check.rawValue].compactMap { $0 }.joined(separator: ":") })",
                "unknown_fields": "\(report.unknownFields)", "late": "\(report.lateRecords)",
                "bounds": "\(report.start.map { "\($0)-\(report.end ?? $0)" } ?? "-")",
                "offsets": "\(clock.describe(closed.offsets))",
                "events": "\(events.map(\.id).joined(separator: ","))",
                // From the window's last record to its events acknowledged by Kafka.
                "close_ms": "\((ContinuousClock.now - closing).inSeconds * 1_000)",
            ])
        performanceDriftWindowClosed(target)
        observer(WindowOutcome(report: report, state: state, events: events, offsets: offsets))
        if target.pendingReference != nil { router.switchReferenceIfIdle(target, space: intake.space) }
    }

    /// A window (or a member's pane) is complete: commit its offsets soon, restore no checkpoint.
    func noteClosed() {
        ledger.windowClosed()
        lifecycle.windowClosed()
    }

    /// Releases timed-out join halves, folds the batch, waits for dead-letter
    /// acknowledgements and stores the safe offsets.
    func finishBatch(grace: ShutdownGrace) throws(PipelineError) {
        router.switchReferences(space: intake.space)
        if join.count > 0 {
            join.expire(wallTime: wallMilliseconds()) { release in
                catalogue.countJoin(outcome: release.outcome.rawValue)
                deliver(release.payload, origins: release.origins)
            }
            try endPoll()
        }
        if case .aggregator = settings.scaleOut {
            try closeCompleteAggregatedPanes()
        } else if router.hasEventTimeWindows {
            let limit = eventTimeLimit()
            for target in router.watched {
                target.monitor.eventTimeLimit = limit
                while target.monitor.hasPaneToClose { try closeWindow(target) }
            }
        }
        for target in router.watched {
            target.monitor.foldBatch()
            target.countRecords()
        }
        try finishPerformance()
        try deadLetters.awaitAcknowledgements(shouldStop: { grace.isOver })
        commit(force: false)
        health.updateLag()
    }

    /// See ``PartitionClock/limit(assigned:atEnd:fetchedMore:now:)``.
    /// `topics`: only the partitions of these topics (nil: every assigned one).
    func eventTimeLimit(topics: Set<String>? = nil) -> Int64 {
        let assigned = consumer.assignment().filter { topics?.contains($0.topic) ?? true }
        return clock.limit(assigned: assigned, atEnd: consumer.partitionsAtEnd, fetchedMore: { partition in
            consumer.positions[partition].flatMap { position in consumer.watermarks(of: partition).map { $0.high > position } } ?? false
        }, now: wallMilliseconds())
    }
}
