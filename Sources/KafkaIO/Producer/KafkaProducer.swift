import CRdKafka
import Logging
import Synchronization

/// An idempotent producer whose callers can wait for the broker's acknowledgement.
///
/// ``send(topic:key:value:headers:partition:)`` enqueues a copy and returns a ticket;
/// ``waitForDelivery(of:timeoutMilliseconds:)`` blocks until the broker acknowledged (or
/// refused) those tickets. Blocking calls belong on a dedicated thread.
public final class KafkaProducer: Sendable {
    let handle: NativeHandle
    private let reports: Unmanaged<DeliveryReports>
    private let nextTicket = Atomic<UInt64>(1)
    private let closed = Atomic<Bool>(false)

    /// - Parameters:
    ///   - configuration: client properties; idempotence is switched on unless set.
    ///   - logger: where librdkafka's own log lines go; nil leaves them on standard error in
    ///     librdkafka's layout.
    public init(configuration: KafkaConfiguration, logger: Logger? = nil) throws(KafkaError) {
        var configuration = configuration
        configuration["enable.idempotence"] = configuration["enable.idempotence"] ?? "true"
        configuration["linger.ms"] = configuration["linger.ms"] ?? "5"
        let reports = Unmanaged.passRetained(DeliveryReports(logger: logger))
        do {
            let pointer = try configuration.makeClient(RD_KAFKA_PRODUCER, for: "creating the producer") { conf in
                rd_kafka_conf_set_opaque(conf, reports.toOpaque())
                rd_kafka_conf_set_dr_msg_cb(conf, deliveryCallback)
                if logger != nil { rd_kafka_conf_set_log_cb(conf, producerLogCallback) }
            }
            handle = NativeHandle(pointer: pointer)
        } catch {
            reports.release()
            throw error
        }
        self.reports = reports
    }

    /// Frees the client without waiting: what ``close(timeoutMilliseconds:)`` did not deliver is dropped.
    deinit {
        if !closed.load(ordering: .relaxed) { purge() }
        rd_kafka_destroy(handle.pointer)
        reports.release()
    }

    /// Waits up to `timeoutMilliseconds` for the messages in flight, then drops the rest (their
    /// tickets fail). Call it once the last message was sent; sending after it is an error.
    /// - Returns: whether everything sent was delivered in time.
    @discardableResult
    public func close(timeoutMilliseconds: Int32 = 5_000) -> Bool {
        guard !closed.exchange(true, ordering: .relaxed) else { return true }
        let delivered = rd_kafka_flush(handle.pointer, timeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR
        if !delivered { purge() }
        return delivered
    }

    /// `partition` for a message the topic's partitioner places.
    public static let anyPartition: Int32 = RD_KAFKA_PARTITION_UA

    /// A message handed to the producer, to wait for.
    public struct Ticket: Sendable, Hashable {
        let number: UInt64
        package init(number: UInt64) { self.number = number }
    }

    /// How a wait for acknowledgements ended, when it did not throw.
    public enum DeliveryOutcome: Sendable, Hashable {
        /// The broker acknowledged every ticket.
        case acknowledged
        /// The caller stopped waiting (shutdown) before every ticket was acknowledged.
        case abandoned
    }

    /// Enqueues a copy of the message. Waits (serving delivery reports) while librdkafka's
    /// queue is full, so a burst slows the caller down rather than failing.
    @discardableResult
    public func send(
        topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, headers: [MessageHeader] = [],
        partition: Int32 = RD_KAFKA_PARTITION_UA
    ) throws(KafkaError) -> Ticket {
        guard !closed.load(ordering: .relaxed) else { throw .client("the producer is closed", while: "producing to \(topic)") }
        let ticket = Ticket(number: nextTicket.add(1, ordering: .relaxed).oldValue)
        reports.takeUnretainedValue().expect(ticket.number)
        while true {
            let nativeHeaders = headers.isEmpty ? nil : makeHeaders(headers)
            let error = driftwatch_produce(
                handle.pointer, topic, partition, key?.baseAddress, key?.count ?? 0, value?.baseAddress, value?.count ?? 0,
                nativeHeaders, UnsafeMutableRawPointer(bitPattern: UInt(ticket.number)))
            if error == RD_KAFKA_RESP_ERR_NO_ERROR { return ticket }
            if let nativeHeaders { rd_kafka_headers_destroy(nativeHeaders) }
            if error == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle.pointer, 10)
                continue
            }
            reports.takeUnretainedValue().forget(ticket.number)
            throw .rdKafka(error, while: "producing to \(topic)")
        }
    }

    /// Convenience for byte arrays.
    @discardableResult
    public func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [MessageHeader] = [], partition: Int32 = RD_KAFKA_PARTITION_UA) throws(KafkaError) -> Ticket {
        try withOptionalBytes(key) { (key) throws(KafkaError) in
            try withOptionalBytes(value) { (value) throws(KafkaError) in
                try send(topic: topic, key: key, value: value, headers: headers, partition: partition)
            }
        }
    }

    /// Blocks until every ticket is acknowledged, then throws the first refusal if any.
    /// - Throws: a ``KafkaError`` naming the refusal, or a timeout.
    public func waitForDelivery(of tickets: [Ticket], timeoutMilliseconds: Int = 30_000) throws(KafkaError) {
        _ = try waitForDelivery(of: tickets, timeoutMilliseconds: timeoutMilliseconds, abandonWhen: { false })
    }

    /// Blocks until every ticket is acknowledged, or until `abandonWhen` (asked every few
    /// milliseconds) says to stop waiting; the tickets stay pending then.
    /// - Throws: a ``KafkaError`` naming the refusal, or a timeout.
    public func waitForDelivery(
        of tickets: [Ticket], timeoutMilliseconds: Int, abandonWhen abandon: () -> Bool
    ) throws(KafkaError) -> DeliveryOutcome {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        let numbers = tickets.map(\.number)
        while true {
            switch reports.takeUnretainedValue().collect(numbers) {
            case .pending: break
            case .acknowledged: return .acknowledged
            case .failed(let failure): throw failure
            }
            if abandon() { return .abandoned }
            if ContinuousClock.now >= deadline {
                throw .client("no acknowledgement within \(timeoutMilliseconds) ms", while: "waiting for delivery")
            }
            rd_kafka_poll(handle.pointer, 5)
        }
    }

    /// Drops every message not yet acknowledged, queued or in flight (their tickets fail), so
    /// that closing does not wait for a broker that refuses them.
    public func purge() {
        _ = rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        rd_kafka_poll(handle.pointer, 0)
    }

    /// Serves delivery reports without waiting.
    public func poll() {
        rd_kafka_poll(handle.pointer, 0)
    }

    /// Waits until everything enqueued is delivered or `timeoutMilliseconds` passed.
    public func flush(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        let error = rd_kafka_flush(handle.pointer, timeoutMilliseconds)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rdKafka(error, while: "flushing the producer") }
    }

    private func makeHeaders(_ headers: [MessageHeader]) -> OpaquePointer {
        let native = rd_kafka_headers_new(headers.count)!
        for header in headers {
            if let value = header.value {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(native, header.name, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                rd_kafka_header_add(native, header.name, -1, nil, 0)
            }
        }
        return native
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(KafkaError) -> R) throws(KafkaError) -> R {
    guard let bytes else { return try body(nil) }
    let result = bytes.withUnsafeBytes { buffer in Result { () throws(KafkaError) -> R in try body(buffer) } }
    return try result.get()
}

/// Delivery outcomes by ticket, written by librdkafka's callback and read by waiters.
final class DeliveryReports: Sendable {
    private enum Slot {
        case pending
        case delivered
        case failed(KafkaError)
    }
    private let slots = Mutex<[UInt64: Slot]>([:])
    /// librdkafka's log lines go here (``ClientLog``), when set.
    let logger: Logger?

    init(logger: Logger?) {
        self.logger = logger
    }

    func expect(_ ticket: UInt64) { slots.withLock { $0[ticket] = .pending } }
    func forget(_ ticket: UInt64) { _ = slots.withLock { $0.removeValue(forKey: ticket) } }

    func report(_ ticket: UInt64, error: KafkaError?) {
        slots.withLock { slots in
            guard slots[ticket] != nil else { return }
            slots[ticket] = error.map { .failed($0) } ?? .delivered
        }
    }

    enum Collected {
        /// A ticket is still waiting for its report.
        case pending
        case acknowledged
        /// The first refusal among the tickets.
        case failed(KafkaError)
    }

    /// Once no ticket is pending, removes them and says how they ended.
    func collect(_ tickets: [UInt64]) -> Collected {
        slots.withLock { slots in
            var failure: KafkaError?
            for ticket in tickets {
                switch slots[ticket] {
                case .pending: return .pending
                case .failed(let error): failure = failure ?? error
                case .delivered, nil: break
                }
            }
            for ticket in tickets { slots.removeValue(forKey: ticket) }
            return failure.map { .failed($0) } ?? .acknowledged
        }
    }
}

private func deliveryCallback(_ handle: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let message, let opaque else { return }
    let reports = Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue()
    let ticket = UInt64(UInt(bitPattern: message.pointee._private))
    let error = message.pointee.err
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
    reports.report(ticket, error: error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : .rdKafka(error, while: "delivering to \(topic)"))
}

/// librdkafka's log lines, to the producer's logger (``ClientLog``).
private func producerLogCallback(_ handle: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?) {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    guard let logger = Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue().logger else { return }
    ClientLog.forward(to: logger, client: rd_kafka_name(handle), level: level, facility: facility, message: message)
}
