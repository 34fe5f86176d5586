import CRdKafka

/// An error from Kafka or from librdkafka, with what was being done when it happened.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Hashable {
    /// librdkafka's error code (`rd_kafka_resp_err_t`), when there is one.
    public let code: Int32?
    /// librdkafka's text for the code, or our own.
    public let message: String
    /// What was being done: "subscribing to inference-logs", "producing to driftwatch.events".
    public let operation: String

    public var description: String {
        if let code { return "\(operation): \(message) (librdkafka error \(code))" }
        return "\(operation): \(message)"
    }

    package static func rdKafka(_ error: rd_kafka_resp_err_t, while operation: String) -> KafkaError {
        KafkaError(code: error.rawValue, message: String(cString: rd_kafka_err2str(error)), operation: operation)
    }

    package static func client(_ message: String, while operation: String) -> KafkaError {
        KafkaError(code: nil, message: message, operation: operation)
    }
}
