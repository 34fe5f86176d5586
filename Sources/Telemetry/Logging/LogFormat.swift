import Logging

/// How log lines are written.
public enum LogFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// swift-log's `key=value` lines, control characters escaped (``TextLogHandler``).
    case text
    /// One JSON object per line, for Loki or Elasticsearch.
    case json
}

extension Logger {
    /// The logger of every driftwatch command.
    public static func driftwatch(level: Logger.Level, format: LogFormat) -> Logger {
        var logger =
            switch format {
            case .text: Logger(label: "driftwatch") { TextLogHandler(label: $0) }
            case .json: Logger(label: "driftwatch") { JSONLogHandler(label: $0) }
            }
        logger.logLevel = level
        return logger
    }
}
