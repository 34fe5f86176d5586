import FoundationEssentials
import HTTP
import KafkaIO
import Logging
import Registry
import Telemetry

/// `driftwatch hook`: reads driftwatch events from Kafka in a consumer group and runs an
/// action for each retraining event, once per event id.
///
/// Per message, in partition order: an event already handled on the partition (same id) is
/// a duplicate; a type not asked for is ignored; otherwise the action runs, retried with
/// backoff, until it succeeds or is given up, and a given-up event is written to the
/// failed-events topic. Only then is the offset committed, with the partition's recent
/// event ids as the commit's metadata, so the dedup list survives restarts and rebalances.
/// Runs on a thread of its own: every call blocks.
public final class RetrainingHook {
    let settings: HookSettings
    let metrics: HookMetrics
    let readiness: Readiness
    let logger: Logger
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer?
    private var recent: [TopicPartition: RecentEventIDs] = [:]

    /// A message copied out of the poll, so an action can take minutes without holding
    /// librdkafka's buffers.
    struct Delivery {
        var partition: TopicPartition
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [MessageHeader]
    }

    public init(settings: HookSettings, metrics: HookMetrics, readiness: Readiness, logger: Logger) throws {
        try settings.validate()
        self.settings = settings
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
        var configuration = settings.kafka
        // The group must not drop a member that spends the whole retry budget on one event.
        let budget = RetryPolicy.seconds(settings.retry.worstCase) * 1000 + 60_000
        configuration["max.poll.interval.ms"] = configuration["max.poll.interval.ms"] ?? String(Int(min(budget, 86_400_000)))
        consumer = try KafkaConsumer(configuration: configuration, groupID: settings.group, topics: [settings.topic], maxBatch: 64, logger: logger)
        producer = try settings.failedTopic.map { _ in try KafkaProducer(configuration: settings.kafka, logger: logger) }
    }

    /// Handles events until `shouldStop` turns true, or with `untilEnd` until every assigned
    /// partition is read to its end. An event interrupted by the stop is not committed: it
    /// runs again after a restart.
    public func run(untilEnd: Bool = false, shouldStop: () -> Bool) throws {
        defer {
            consumer.close()
            // Each failed-topic copy was awaited: nothing is left in flight.
            producer?.close(timeoutMilliseconds: 0)
        }
        logger.info(
            "hook started",
            metadata: ["topic": "\(settings.topic)", "group": "\(settings.group)", "action": "\(settings.action.description)"])
        while !shouldStop() {
            if let down = consumer.brokersDown {
                readiness.set(ready: false, reason: "Kafka unreachable: \(down)")
                if consumer.probe() { readiness.set(ready: true) }
            } else {
                readiness.set(ready: true)
            }
            var pending: [Delivery] = []
            consumer.poll(timeoutMilliseconds: 200) { message in
                pending.append(
                    Delivery(
                        partition: TopicPartition(topic: settings.topic, partition: message.partition), offset: message.offset,
                        key: message.key.map { Array($0) }, value: message.value.map { Array($0) }, headers: message.headers()))
            }
            for delivery in pending {
                guard handle(delivery, shouldStop: shouldStop) else { return }
            }
            if untilEnd && pending.isEmpty && consumer.isAtEndOfAssignment { break }
        }
        readiness.set(ready: false, reason: "stopped")
    }

    /// Handles one message and commits past it; false when the stop interrupted it.
    func handle(_ delivery: Delivery, shouldStop: () -> Bool) -> Bool {
        let partition = delivery.partition
        if recent[partition] == nil { recent[partition] = restoredIDs(of: partition) }
        var headers: [String: String] = [:]
        for header in delivery.headers { headers[header.name] = header.value.map { String(decoding: $0, as: UTF8.self) } }
        let place: Logger.Metadata = ["partition": "\(partition)", "offset": "\(delivery.offset)"]
        let event: RetrainingEvent
        do throws(EventError) {
            event = try RetrainingEvent(value: delivery.value ?? [], headers: headers)
        } catch {
            logger.error("not a driftwatch event", metadata: place.merging(["error": "\(error)"]) { $1 })
            metrics.count(type: headers["ce_type"] ?? "", .invalid)
            guard record(delivery, reason: error.reason, detail: error.description, attempts: 0, shouldStop: shouldStop) else { return false }
            commit(past: delivery)
            return true
        }
        var about = place
        about["id"] = "\(event.id)"
        about["type"] = "\(event.type)"
        about["model"] = "\(event.model)"
        if !settings.types.contains(event.type) {
            logger.debug("event ignored", metadata: about)
            metrics.count(type: event.type, .ignored)
        } else if recent[partition]!.contains(event.id) {
            logger.info("duplicate event skipped", metadata: about)
            metrics.count(type: event.type, .duplicate)
        } else {
            let (result, attempts) = perform(event, about: about, shouldStop: shouldStop)
            switch result {
            case .succeeded:
                metrics.count(type: event.type, .succeeded)
            case .failed(let reason), .rejected(let reason):
                logger.error("retraining action given up", metadata: about.merging(["error": "\(reason)"]) { $1 })
                metrics.count(type: event.type, .failed)
                guard record(delivery, reason: "action_failed", detail: reason, attempts: attempts, shouldStop: shouldStop) else {
                    return false
                }
            case .interrupted:
                logger.info("action interrupted by shutdown; the event runs again after a restart", metadata: about)
                return false
            }
            recent[partition]!.insert(event.id)
        }
        commit(past: delivery)
        return true
    }

    /// The action, retried with backoff; `.interrupted` if the stop came first.
    /// - Returns: how the last attempt ended, and how many attempts were made.
    private func perform(_ event: RetrainingEvent, about: Logger.Metadata, shouldStop: () -> Bool) -> (ActionResult, attempts: Int) {
        for attempt in 1...settings.retry.attempts {
            let started = ContinuousClock.now
            let result: ActionResult
            switch settings.action {
            case .command(let arguments):
                result = CommandAction(arguments: arguments, environment: settings.environment)
                    .perform(event, attempt: attempt, timeout: settings.retry.attemptTimeout, shouldStop: shouldStop)
            case .post(let url, let headers):
                guard let target = URL(string: url) else { return (.rejected("\(url) is not a URL"), attempt) }
                result = WebhookAction(url: target, headers: headers, trustedCertificatesFile: settings.trustedCertificatesFile).perform(event, attempt: attempt, timeout: settings.retry.attemptTimeout)
            case .mlflow:
                do {
                    result = MLflowAction(client: try MLflowClient(environment: settings.environment))
                        .perform(event, timeout: settings.retry.attemptTimeout)
                } catch {
                    return (.rejected("\(error)"), attempt)
                }
            }
            let took = ContinuousClock.now - started
            switch result {
            case .succeeded:
                metrics.countAttempt(succeeded: true, took: took, at: Date().timeIntervalSince1970)
                logger.info("retraining action succeeded", metadata: about.merging(["attempt": "\(attempt)", "took": "\(took)"]) { $1 })
                return (.succeeded, attempt)
            case .interrupted:
                return (.interrupted, attempt)
            case .rejected:
                metrics.countAttempt(succeeded: false, took: took, at: 0)
                return (result, attempt)
            case .failed(let reason):
                metrics.countAttempt(succeeded: false, took: took, at: 0)
                if attempt == settings.retry.attempts { return (result, attempt) }
                let wait = settings.retry.backoff(after: attempt)
                logger.warning(
                    "retraining action failed; retrying",
                    metadata: about.merging(["attempt": "\(attempt)", "error": "\(reason)", "retry_in": "\(wait)"]) { $1 })
                guard DedicatedThread.sleep(for: wait, unless: shouldStop) else { return (.interrupted, attempt) }
            }
        }
        return (.failed("no attempt"), 0)  // attempts ≥ 1 (validated): the loop returns
    }

    /// Writes a message the hook could not act on to the failed-events topic, with why in
    /// headers; retries until Kafka takes it. False if the stop came first.
    private func record(_ delivery: Delivery, reason: String, detail: String, attempts: Int, shouldStop: () -> Bool) -> Bool {
        guard let producer, let topic = settings.failedTopic else { return true }
        let headers = delivery.headers + [
            MessageHeader(name: "driftwatch_hook_reason", string: reason),
            MessageHeader(name: "driftwatch_hook_error", string: detail),
            MessageHeader(name: "driftwatch_hook_attempts", string: String(attempts)),
            MessageHeader(name: "driftwatch_hook_source", string: "\(delivery.partition)@\(delivery.offset)"),
        ]
        while true {
            do {
                let ticket = try producer.send(topic: topic, key: delivery.key, value: delivery.value, headers: headers)
                try producer.waitForDelivery(of: [ticket])
                metrics.countFailedRecord()
                return true
            } catch {
                logger.error("cannot write to the failed-events topic; retrying", metadata: ["topic": "\(topic)", "error": "\(error)"])
                guard DedicatedThread.sleep(for: .seconds(1), unless: shouldStop) else { return false }
            }
        }
    }

    private func commit(past delivery: Delivery) {
        do {
            try consumer.commit([delivery.partition: delivery.offset + 1], metadata: recent[delivery.partition]?.metadata ?? [])
        } catch {
            // Lost with a rebalance: the next owner reads the event again and skips it if the
            // id is in the metadata committed before.
            logger.warning(
                "offset not committed", metadata: ["partition": "\(delivery.partition)", "offset": "\(delivery.offset)", "error": "\(error)"])
        }
    }

    /// The ids committed with the partition's offset, by this hook or another member before it.
    private func restoredIDs(of partition: TopicPartition) -> RecentEventIDs {
        do {
            let metadata = try consumer.committedWithMetadata([partition])[partition]?.metadata ?? []
            return RecentEventIDs(capacity: settings.rememberedIDs, metadata: metadata)
        } catch {
            logger.warning("committed event ids not read", metadata: ["partition": "\(partition)", "error": "\(error)"])
            return RecentEventIDs(capacity: settings.rememberedIDs)
        }
    }
}
