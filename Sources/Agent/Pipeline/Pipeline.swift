import DriftMonitor
import Ingest
#if canImport(Glibc)
import Glibc
#endif
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
public final class Pipeline {
    let settings: Settings
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let catalogue: MetricCatalogue
    let readiness: Readiness
    let logger: Logger
    let observer: (WindowOutcome) -> Void
    let referenceUpdates: ReferenceUpdates?
    var decoder: RecordDecoder
    /// The record format of each subscribed topic, by the consumer's topic index.
    let topicFormats: [RecordDecoder.Format]
    /// What each topic's name says under Seldon's naming, by topic index.
    let seldonTopics: [SeldonTopic?]
    var join: InferenceJoin
    /// The configured models' monitors, then their segments' in the order they appeared.
    var watched: [Watched]
    /// The checkpoints read at the first assignment, for segments that appear later.
    var restoredCheckpoints: [String: Monitor.Checkpoint] = [:]
    /// Routing names, and the index in `watched` of each name's code.
    var modelNames = CategoryDictionary(capacity: 4096)
    var watchedOfName: [Int] = []
    var partitions: [TopicPartition] = []
    var partitionIDs: [Int64: Int] = [:]
    var idOfPartition: [TopicPartition: Int] = [:]
    /// Per partition id: the newest event time read from it since it was assigned.
    var newestEventTime: [Int64] = []
    let hasEventTimeWindows: Bool
    /// Since when (wall ms) each partition read to its end has been there.
    var atEndSince: [TopicPartition: Int64] = [:]
    var pendingDeadLetters: [KafkaProducer.Ticket] = []
    /// Member: the summaries topic's partitions, once known.
    var summariesPartitionCount: Int?
    var lastLagUpdate = ContinuousClock.now
    var lastCommit = ContinuousClock.now
    var lastProbe = ContinuousClock.now
    var committedOffsets: [TopicPartition: Int64] = [:]
    var windowClosedSinceCommit = false
    var lastCommitFailed = false
    /// Set by a rebalance inside a poll: the rest of that poll's messages may come from
    /// before it, so they are dropped and their partitions read again from `rewind`.
    var rebalancedDuringPoll = false
    var rewind: [TopicPartition: Int64] = [:]
    /// Whether a checkpoint may still be restored: only before this run closed any window.
    var mayRestore = true
    /// Records taken from Kafka since the start (valid, invalid and unrouted).
    public private(set) var recordsConsumed = 0
    /// When the first and the last record arrived: the stop line reports the rate between them
    /// (without the group join, or the wait for the end of an `untilEnd` run).
    var firstRecordAt: ContinuousClock.Instant?
    var lastRecordAt: ContinuousClock.Instant?

    /// - Parameters:
    ///   - monitors: one per model, built over `space`.
    ///   - observer: called on the pipeline thread after each closed window.
    public init(
        settings: Settings, consumer: KafkaConsumer, producer: KafkaProducer, space: FeatureSpace, monitors: [Monitor],
        catalogue: MetricCatalogue, readiness: Readiness, logger: Logger, referenceUpdates: ReferenceUpdates? = nil,
        observer: @escaping (WindowOutcome) -> Void = { _ in }
    ) {
        self.referenceUpdates = referenceUpdates
        self.settings = settings
        self.consumer = consumer
        self.producer = producer
        self.catalogue = catalogue
        self.readiness = readiness
        self.logger = logger
        self.observer = observer
        decoder = RecordDecoder(space: space, tensors: settings.tensors, fields: settings.jsonFields, ignoredFields: settings.ignoredFields)
        topicFormats = consumer.topics.map { settings.formats[$0] ?? .json }
        seldonTopics = consumer.topics.map(SeldonTopic.init)
        join = InferenceJoin(timeoutMilliseconds: settings.joinTimeoutMilliseconds, capacity: settings.joinCapacity)
        watched = monitors.map { monitor in
            Watched(
                monitor: monitor, metrics: Self.makeMetrics(for: monitor, catalogue: catalogue), model: monitor.model,
                segmentLimit: settings.segmentLimits[monitor.model] ?? 0)
        }
        hasEventTimeWindows = monitors.contains { if case .eventTime = $0.window { true } else { false } }
        for (index, monitor) in monitors.enumerated() {
            for name in settings.routes[monitor.model] ?? [monitor.model] {
                let code = Int(modelNames.code(for: name))
                if code >= watchedOfName.count { watchedOfName.append(contentsOf: repeatElement(-1, count: code + 1 - watchedOfName.count)) }
                watchedOfName[code] = index
            }
        }
        consumer.onRebalance { [unowned self] event in rebalance(event) }
    }

    /// Runs until `shouldStop` says so (checked between polls) or, with `untilEnd`, until
    /// every assigned partition is read to its end. Then stores the safe offsets, commits
    /// and leaves the group. Blocks: call it on a dedicated thread.
    public func run(shouldStop: () -> Bool) throws(PipelineError) {
        defer {
            readiness.set(ready: false, reason: "stopped")
            consumer.close()
        }
        // The producer learns its topics' leaders now: the first event would otherwise wait
        // for that lookup (~0.5 s seen) while the window that raised it holds the pipeline.
        for topic in [settings.eventsTopic, settings.dlqTopic] { _ = producer.partitionCount(of: topic, timeoutMilliseconds: 2_000) }
        // A local, not a stored property: handing a class's stored value on copies it (a retain
        // and a release of each of its arrays per record, 5-8% of the time in a profile).
        var payload = InferencePayload(space: decoder.space)
        while !shouldStop() {
            let received = consumer.poll(timeoutMilliseconds: settings.pollTimeoutMilliseconds) { message in
                process(message, into: &payload)
            }
            if received > 0 { lastRecordAt = .now }
            if rebalancedDuringPoll { rewindAfterRebalance() }
            // Once shutdown began, /readyz stays 503 (the service set it).
            if !shouldStop() { updateReadiness() }
            if let failure = pendingFailure {
                pendingFailure = nil
                throw failure
            }
            try finishBatch()
            if received == 0 && settings.untilEnd && consumer.isAtEndOfAssignment {
                try closeCompleteEventTimePanes()
                break
            }
        }
        readiness.set(ready: false, reason: "draining")
        try finishBatch()
        commit(force: true)
        var stopped: Logger.Metadata = ["records": "\(recordsConsumed)"]
        if let firstRecordAt, let lastRecordAt {
            let seconds = (lastRecordAt - firstRecordAt).inSeconds
            stopped["seconds_first_to_last_record"] = "\(seconds)"
            stopped["records_per_second"] = "\(Int((Double(recordsConsumed) / max(seconds, 1e-9)).rounded()))"
        }
        logger.info("pipeline stopped", metadata: stopped)
    }

    var pendingFailure: PipelineError?

    func process(_ message: borrowing ConsumedMessage, into payload: inout InferencePayload) {
        guard pendingFailure == nil else { return }
        guard !rebalancedDuringPoll else {
            let partition = TopicPartition(topic: consumer.topics[message.topicIndex], partition: message.partition)
            rewind[partition] = min(rewind[partition] ?? .max, message.offset)
            return
        }
        if recordsConsumed == 0 { firstRecordAt = .now }
        recordsConsumed += 1
        let partition = partitionID(topicIndex: message.topicIndex, partition: message.partition)
        if case .aggregator = settings.scaleOut {
            mergeContribution(message, partition: partition)
            return
        }
        let format = topicFormats[message.topicIndex]
        var envelope = MessageEnvelope()
        if !format.isSingleRow {
            envelope.key = message.key
            envelope.topic = seldonTopics[message.topicIndex]
            for (index, name) in MessageEnvelope.headerNames.enumerated() {
                envelope.set(header: index, message.header(named: name))
            }
        }
        do {
            try decoder.decode(message.value, format: format, envelope: envelope, into: &payload)
        } catch {
            deadLetter(message, error)
            return
        }
        switch settings.routing {
        case .field: break
        case .key: payload.setModel(message.key)
        case .header(let name): payload.setModel(message.header(named: name))
        }
        switch settings.segmentSource {
        case nil, .field: break
        case .key: payload.setSegment(message.key)
        case .header(let name): payload.setSegment(message.header(named: name))
        }
        let origin = InferenceJoin.Origin(partition: partition, offset: message.offset)
        if payload.timestampMilliseconds == nil { payload.timestampMilliseconds = message.timestampMilliseconds }
        if let time = payload.timestampMilliseconds, time > newestEventTime[partition] { newestEventTime[partition] = time }
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
        guard var target = route(payload.model) else {
            catalogue.countUnrouted()
            return
        }
        if target.segmentLimit > 0 && !payload.segment.isEmpty { target = segment(payload.segment, of: target) }
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
                    pendingFailure = error
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
        for target in watched {
            target.monitor.drainEventTime()
            while target.monitor.hasPaneToClose { try closeWindow(target) }
        }
    }

    /// The monitor of the payload's model; a payload without one goes to the only model.
    func route(_ model: [UInt8]) -> Watched? {
        guard !model.isEmpty else {
            return watched.count == 1 ? watched[0] : nil
        }
        guard let code = model.withUnsafeBytes({ modelNames.lookup($0) }), watchedOfName[Int(code)] >= 0 else { return nil }
        return watched[watchedOfName[Int(code)]]
    }

    func partitionID(topicIndex: Int, partition: Int32) -> Int {
        let key = Int64(topicIndex) << 32 | Int64(partition)
        if let id = partitionIDs[key] { return id }
        let id = partitions.count
        partitionIDs[key] = id
        partitions.append(TopicPartition(topic: consumer.topics[topicIndex], partition: partition))
        idOfPartition[partitions[id]] = id
        newestEventTime.append(.min)
        return id
    }

    func deadLetter(_ message: borrowing ConsumedMessage, _ error: DecodeError) {
        let metrics = watched[0].metrics
        metrics.countInvalid(reason: error.reason.rawValue)
        let topic = consumer.topics[message.topicIndex]
        var headers = message.headers()
        headers.append(MessageHeader(name: "driftwatch.error.reason", string: error.reason.rawValue))
        headers.append(MessageHeader(name: "driftwatch.error.detail", string: error.description))
        headers.append(MessageHeader(name: "driftwatch.source.topic", string: topic))
        headers.append(MessageHeader(name: "driftwatch.source.partition", string: String(message.partition)))
        headers.append(MessageHeader(name: "driftwatch.source.offset", string: String(message.offset)))
        do {
            let ticket = try producer.send(topic: settings.dlqTopic, key: message.key, value: message.value, headers: headers)
            pendingDeadLetters.append(ticket)
            metrics.countDeadLettered()
        } catch {
            pendingFailure = .deadLetter(error)
        }
        let offset = message.offset
        logger.debug("record dead-lettered", metadata: ["reason": "\(error.reason.rawValue)", "offset": "\(offset)"])
    }

    func closeWindow(_ target: Watched) throws(PipelineError) {
        let closing = ContinuousClock.now
        target.countRecords()
        if case .member(let topic, let member) = settings.scaleOut {
            try publishContribution(of: target, topic: topic, member: member)
            return
        }
        guard let closed = target.monitor.closePane(space: decoder.space, wallTime: wallMilliseconds()) else { return }
        let (report, actions) = (closed.report, closed.actions)
        let state = target.monitor.stateMachine.state
        target.metrics.record(report, state: state)
        let events = actions.map { action in
            DriftEvent(kind: action.eventKind, report: report, policy: target.monitor.policy)
        }
        try publish(events, metrics: target.metrics)
        let offsets = Dictionary(uniqueKeysWithValues: closed.offsets.map { (partitions[$0.key], $0.value) })
        noteClosed()
        logger.info(
            "window closed",
            metadata: [
                "model": "\(report.model)", "window": "\(report.index)", "records": "\(report.records)",
                "drifted": "\(report.driftedFeatures.map(\.name))", "state": "\(state.gauge)",
                "quality_breaches": "\(report.qualityBreaches.map { [$0.feature, $0.check.rawValue].compactMap { $0 }.joined(separator: ":") })",
                "unknown_fields": "\(report.unknownFields)", "late": "\(report.lateRecords)",
                "bounds": "\(report.start.map { "\($0)-\(report.end ?? $0)" } ?? "-")",
                "offsets": "\(describe(closed.offsets))",
                "events": "\(events.map(\.id).joined(separator: ","))",
                // From the window's last record to its events acknowledged by Kafka.
                "close_ms": "\((ContinuousClock.now - closing).inSeconds * 1_000)",
            ])
        observer(WindowOutcome(report: report, state: state, events: events, offsets: offsets))
        if target.pendingReference != nil { switchReferenceIfIdle(target) }
    }

    /// A window (or a member's pane) is complete: commit its offsets soon, restore no checkpoint.
    func noteClosed() {
        windowClosedSinceCommit = true
        mayRestore = false
    }

    /// Offsets held by a closed window, per partition id, for the log: `topic[p]:first-last,...`.
    func describe(_ offsets: [Int: ClosedRange<Int64>]) -> String {
        offsets.map { (partitions[$0.key].description, $0.value) }.sorted { $0.0 < $1.0 }
            .map { "\($0.0):\($0.1.lowerBound)-\($0.1.upperBound)" }.joined(separator: ",")
    }

    /// Publishes events and waits for Kafka's acknowledgement, retrying with backoff.
    func publish(_ events: [DriftEvent], metrics: ModelMetrics) throws(PipelineError) {
        for event in events {
            logger.debug("publishing event", metadata: ["type": "\(event.kind.rawValue)", "id": "\(event.id)"])
            try sendAcknowledged(
                topic: settings.eventsTopic, key: Array(event.model.utf8), value: event.cloudEventJSON(),
                headers: [MessageHeader(name: "content-type", string: "application/cloudevents+json; charset=UTF-8")], id: event.id
            ) {
                if event.kind == .retrainingRequested { metrics.countRetraining(acknowledged: false) }
            }
            if event.kind == .retrainingRequested { metrics.countRetraining(acknowledged: true) }
            metrics.countPublished(event)
            logger.info(
                "event published",
                metadata: [
                    "model": "\(event.model)", "type": "\(event.kind.rawValue)", "id": "\(event.id)",
                    "window_end": "\(event.windowEnd)", "features": "\(event.features.compactMap(\.feature))",
                ])
        }
    }

    /// Sends a message and waits for Kafka's acknowledgement, retrying with backoff; `failed`
    /// runs after each failed attempt.
    func sendAcknowledged(
        topic: String, key: [UInt8], value: [UInt8], headers: [MessageHeader], partition: Int32? = nil, id: String, failed: () -> Void = {}
    ) throws(PipelineError) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let ticket =
                    if let partition {
                        try producer.send(topic: topic, key: key, value: value, headers: headers, partition: partition)
                    } else {
                        try producer.send(topic: topic, key: key, value: value, headers: headers)
                    }
                try producer.waitForDelivery(of: [ticket], timeoutMilliseconds: 10_000)
                return
            } catch {
                failed()
                logger.error("publishing failed", metadata: ["topic": "\(topic)", "id": "\(id)", "attempt": "\(attempt)", "error": "\(error)"])
                if attempt >= settings.publishAttempts { throw .publish(id, error) }
                readiness.set(ready: false, reason: "cannot publish to \(topic): \(error)")
                sleepMilliseconds(min(200 << attempt, 5_000))
            }
        }
    }

    /// Releases timed-out join halves, folds the batch, waits for dead-letter
    /// acknowledgements and stores the safe offsets.
    func finishBatch() throws(PipelineError) {
        if let posted = referenceUpdates?.take() {
            for target in watched {
                if let reference = posted[target.model] { target.pendingReference = reference }
            }
        }
        for target in watched where target.pendingReference != nil { switchReferenceIfIdle(target) }
        if join.count > 0 {
            join.expire(wallTime: wallMilliseconds()) { release in
                catalogue.countJoin(outcome: release.outcome.rawValue)
                deliver(release.payload, origins: release.origins)
            }
            if let failure = pendingFailure {
                pendingFailure = nil
                throw failure
            }
        }
        if case .aggregator = settings.scaleOut {
            try closeCompleteAggregatedPanes()
        } else if hasEventTimeWindows {
            let limit = eventTimeLimit()
            for target in watched {
                target.monitor.eventTimeLimit = limit
                while target.monitor.hasPaneToClose { try closeWindow(target) }
            }
        }
        for target in watched {
            target.monitor.foldBatch()
            target.countRecords()
        }
        if !pendingDeadLetters.isEmpty {
            do {
                try producer.waitForDelivery(of: pendingDeadLetters, timeoutMilliseconds: 30_000)
            } catch {
                throw .deadLetter(error)
            }
            pendingDeadLetters.removeAll(keepingCapacity: true)
        }
        commit(force: false)
        updateLag()
    }

    /// Puts a model's new reference in place once no window of the old one is open: the window
    /// open when it came is judged against the old reference, the next ones against the new.
    func switchReferenceIfIdle(_ target: Watched) {
        guard let reference = target.pendingReference, !target.monitor.hasOpenPane else { return }
        target.pendingReference = nil
        let old = target.monitor
        func signature(_ features: [Feature]) -> Set<String> { Set(features.map { "\($0.name):\($0.kind)" }) }
        guard signature(reference.schema) == signature(old.reference.schema) else {
            logger.error(
                "the new reference changes the model's features; restart the agent to monitor them",
                metadata: ["model": "\(old.model)", "version": "\(reference.version)"])
            return
        }
        do {
            let next = try Monitor(
                model: old.model, reference: reference, policy: old.policy, window: old.window, space: decoder.space, batchCapacity: old.batchCapacity)
            next.takeOver(from: old)
            target.monitor = next
            target.metrics.setReference(version: reference.version)
            logger.info("reference switched", metadata: ["model": "\(old.model)", "from": "\(old.reference.version)", "to": "\(reference.version)"])
        } catch {
            logger.error("the new reference does not fit the model's features", metadata: ["model": "\(old.model)", "error": "\(error)"])
        }
    }

    /// The oldest of the newest event times of the assigned partitions not yet read to their
    /// end: event-time panes close no further, so that no partition's records turn late only
    /// because another partition was fetched ahead of it.
    ///
    /// A partition read to its end for `idlePartitionMilliseconds` is idle and holds no pane
    /// back. Until then it does: a caught-up agent gets a burst of new records one partition
    /// after the other, and the first partition's must not make the others' late.
    func eventTimeLimit() -> Int64 {
        var limit = Int64.max
        let now = wallMilliseconds()
        atEndSince = atEndSince.filter { consumer.partitionsAtEnd.contains($0.key) }
        for partition in consumer.assignment() {
            if consumer.partitionsAtEnd.contains(partition) {
                let since = atEndSince[partition] ?? now
                atEndSince[partition] = since
                let fetchedMore = consumer.positions[partition].flatMap { position in consumer.watermarks(of: partition).map { $0.high > position } } ?? false
                if !fetchedMore && now - since >= settings.idlePartitionMilliseconds { continue }
            }
            guard let id = idOfPartition[partition] else { return .min }
            limit = min(limit, newestEventTime[id])
        }
        return limit
    }
}
