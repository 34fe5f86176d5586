#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DriftMonitor
import Logging

/// Writes each log event as one JSON object on one line of standard error, for log
/// pipelines (Loki, Elasticsearch, Cloud Logging) that index fields rather than parse text:
/// `{"time":"…","level":"info","logger":"driftwatch","message":"window closed","model":"…",…}`.
///
/// Metadata values become strings, lists arrays and dictionaries objects, each string cut at
/// ``TextLogHandler/maximumValueBytes``. Each line goes out in one `write(2)`, so lines from
/// several threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let descriptor: Int32

    public init(label: String, descriptor: Int32 = 2) {
        self.label = label
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = mergedMetadata(of: event)
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("time", RFC3339.format(milliseconds: Self.now()))
        writer.field("level", event.level.rawValue)
        writer.field("logger", label)
        writer.field("message", TextLogHandler.cut(event.message.description))
        if let error = event.error { writer.field("error", TextLogHandler.cut("\(error)")) }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            writer.key(key)
            Self.write(value, into: &writer)
        }
        writer.endObject()
        var line = writer.bytes
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Keys the line itself uses; metadata of those names would make a duplicate key.
    private static let reserved: Set<String> = ["time", "level", "logger", "message"]

    private static func write(_ value: Logger.Metadata.Value, into writer: inout JSONWriter) {
        switch value {
        case .string(let text): writer.value(TextLogHandler.cut(text))
        case .stringConvertible(let convertible): writer.value(TextLogHandler.cut(convertible.description))
        case .array(let values):
            writer.beginArray()
            for value in values { write(value, into: &writer) }
            writer.endArray()
        case .dictionary(let dictionary):
            writer.beginObject()
            for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                write(value, into: &writer)
            }
            writer.endObject()
        }
    }

    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
