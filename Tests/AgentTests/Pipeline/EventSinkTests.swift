import Foundation
import HTTP
import KafkaIO
import Logging
import Synchronization
import Telemetry
import Testing

@testable import Agent

/// Publishing with retry, and giving up on shutdown, against a scripted producer.
@Suite("Event sink")
struct EventSinkTests {
    /// Answers each send as scripted: refused at once, acknowledged, or never acknowledged.
    final class ScriptedProducer: MessageProducing {
        enum Answer {
            case refuse
            case acknowledge
            case hang
        }
        var answers: [Answer]
        var sent = 0
        var purged = 0
        private var pending: [UInt64: Answer] = [:]

        init(_ answers: [Answer]) { self.answers = answers }

        func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [MessageHeader], partition: Int32) throws(KafkaError) -> KafkaProducer.Ticket {
            sent += 1
            let answer = answers.isEmpty ? .refuse : answers.removeFirst()
            pending[UInt64(sent)] = answer
            return KafkaProducer.Ticket(number: UInt64(sent))
        }

        func waitForDelivery(
            of tickets: [KafkaProducer.Ticket], timeoutMilliseconds: Int, abandonWhen abandon: () -> Bool
        ) throws(KafkaError) -> KafkaProducer.DeliveryOutcome {
            let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
            switch pending[UInt64(sent)] {
            case .acknowledge: return .acknowledged
            case .refuse: throw .client("not enough replicas", while: "delivering")
            case .hang, nil:
                while ContinuousClock.now < deadline {
                    if abandon() { return .abandoned }
                    sleepMilliseconds(5)
                }
                throw .client("no acknowledgement", while: "waiting")
            }
        }

        func purge() { purged += 1 }
        func close(timeoutMilliseconds: Int32) -> Bool { true }
        func partitionCount(of topic: String, timeoutMilliseconds: Int32) -> Int? { 3 }
    }

    func sink(_ producer: ScriptedProducer, attempts: Int = 5, deliveryTimeoutMilliseconds: Int = 200) -> EventSink {
        var logger = Logger(label: "sink")
        logger.logLevel = .critical
        return EventSink(
            producer: producer, topic: "events", attempts: attempts, deliveryTimeoutMilliseconds: deliveryTimeoutMilliseconds,
            readiness: Readiness(), logger: logger)
    }

    func send(_ sink: EventSink, failures: inout Int) -> PipelineError? {
        do {
            try sink.sendAcknowledged(topic: "events", key: [], value: [1], headers: [], id: "e1") { failures += 1 }
            return nil
        } catch {
            return error
        }
    }

    @Test("Refused twice then acknowledged: three sends, two failures counted, no error")
    func retriesUntilAcknowledged() {
        let producer = ScriptedProducer([.refuse, .hang, .acknowledge])
        var failures = 0
        #expect(send(sink(producer), failures: &failures) == nil)
        #expect(producer.sent == 3)
        #expect(failures == 2)
        #expect(producer.purged == 0)
    }

    @Test("Refused every time: gives up after the configured attempts with the broker's error")
    func givesUpAfterAttempts() {
        let producer = ScriptedProducer([])
        var failures = 0
        let error = send(sink(producer, attempts: 3), failures: &failures)
        guard case .publish(let id, let kafka) = error else {
            Issue.record("expected a publish error, got \(String(describing: error))")
            return
        }
        #expect(id == "e1")
        #expect(kafka.message == "not enough replicas")
        #expect((producer.sent, failures) == (3, 3))
    }

    @Test("Stopping while an event waits for its acknowledgement: gives up at once and drops it", arguments: [false, true])
    func stopsWaiting(inBackoff: Bool) {
        // In backoff: the first attempt is refused, and the stop comes during the wait before the second.
        let producer = ScriptedProducer(inBackoff ? [.refuse, .hang] : [.hang])
        let sink = sink(producer, deliveryTimeoutMilliseconds: 600_000)
        let stop = StopFlag()
        sink.shouldStop = { stop.isSet }
        let started = ContinuousClock.now
        let thread = Thread { sleepMilliseconds(inBackoff ? 100 : 300); stop.set() }
        thread.start()
        var failures = 0
        let error = send(sink, failures: &failures)
        guard case .stopped(let id) = error else {
            Issue.record("expected to stop, got \(String(describing: error))")
            return
        }
        #expect(id == "e1")
        #expect(producer.purged == 1, "what was sent is dropped, so the producer's close does not wait for it")
        #expect(producer.sent == 1)
        // A broker that never answers would hold the sink for the 600 s delivery timeout.
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
