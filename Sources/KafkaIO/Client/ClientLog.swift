import Logging

/// librdkafka's own log lines (`CONFWARN`, `OFFSET`, `FAIL`, ...) through the client's logger.
///
/// Without a log callback librdkafka prints them to standard error in a layout of its own
/// (`%4|1796631192.191|OFFSET|rdkafka#consumer-3| ...`): lines a JSON log pipeline cannot
/// parse, written in the middle of the agent's own lines, with a broker's text unescaped.
/// The callback runs on librdkafka's threads; the logger's handler writes each line whole.
enum ClientLog {
    /// swift-log's level for a syslog level, as librdkafka gives it (0 emergency ... 7 debug).
    static func level(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    /// - Parameter client: the client's name (`rd_kafka_name`), e.g. `rdkafka#consumer-3`.
    static func forward(
        to logger: Logger, client: UnsafePointer<CChar>?, level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?
    ) {
        var metadata: Logger.Metadata = ["facility": "\(facility.map { String(cString: $0) } ?? "")"]
        if let client { metadata["client"] = "\(String(cString: client))" }
        logger.log(
            level: Self.level(syslog: level), "\(message.map { String(cString: $0) } ?? "")", metadata: metadata,
            source: "librdkafka")
    }
}
