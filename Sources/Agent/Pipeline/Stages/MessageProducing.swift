import KafkaIO

/// What the sinks need of a producer: Kafka's in the agent, a scripted one in the sinks' tests.
protocol MessageProducing: AnyObject {
    func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [MessageHeader], partition: Int32) throws(KafkaError) -> KafkaProducer.Ticket
    func waitForDelivery(
        of tickets: [KafkaProducer.Ticket], timeoutMilliseconds: Int, abandonWhen: () -> Bool
    ) throws(KafkaError) -> KafkaProducer.DeliveryOutcome
    /// Drops what is not acknowledged, so that closing does not wait for it.
    func purge()
    /// Waits up to `timeoutMilliseconds` for what is in flight, drops the rest, sends nothing more.
    @discardableResult
    func close(timeoutMilliseconds: Int32) -> Bool
    func partitionCount(of topic: String, timeoutMilliseconds: Int32) -> Int?
}

extension KafkaProducer: MessageProducing {}
