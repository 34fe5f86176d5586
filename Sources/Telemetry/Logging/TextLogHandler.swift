#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// swift-log's `key=value` lines (its `StreamLogHandler` layout: time, level, label, sorted
/// metadata, `[source]`, message) on standard error, with what came from outside made safe:
/// control characters are escaped (`\n`, `\r`, `\t`, `\u{1b}`), so a newline in a model name
/// cannot forge a line, and each value and the message are cut at ``maximumValueBytes``, so a
/// 200 KB field does not make a 200 KB line. Each line goes out in one `write(2)`.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let descriptor: Int32
    public static let maximumValueBytes = 1_024

    public init(label: String, descriptor: Int32 = 2) {
        self.label = label
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = mergedMetadata(of: event)
        if let error = event.error { fields["error"] = "\(error)" }
        var line = "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line += " \(Self.safe(key))=\(Self.safe(value.description))"
        }
        line += " [\(Self.safe(event.source))] \(Self.safe(event.message.description))\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { _ = write(descriptor, $0.baseAddress, $0.count) }
    }

    /// `text` cut at ``maximumValueBytes`` (at a character boundary), the cut said.
    static func cut(_ text: String) -> String {
        guard text.utf8.count > maximumValueBytes else { return text }
        var out = ""
        var bytes = 0
        for character in text {
            bytes += character.utf8.count
            if bytes > maximumValueBytes { break }
            out.append(character)
        }
        return out + "…(\(text.utf8.count) bytes)"
    }

    /// `text` with control characters escaped, cut at ``maximumValueBytes``.
    static func safe(_ text: String) -> String {
        let needsEscape = text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
        guard needsEscape || text.utf8.count > maximumValueBytes else { return text }
        var out = ""
        var bytes = 0
        for scalar in text.unicodeScalars {
            let piece: String
            switch scalar {
            case "\n": piece = "\\n"
            case "\r": piece = "\\r"
            case "\t": piece = "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: piece = "\\u{\(String(scalar.value, radix: 16))}"
            default: piece = String(scalar)
            }
            bytes += piece.utf8.count
            if bytes > maximumValueBytes {
                return out + "…(\(text.utf8.count) bytes)"
            }
            out += piece
        }
        return out
    }

    private static func timestamp() -> String {
        var buffer = [Int8](repeating: 0, count: 64)
        var now = time(nil)
        guard let local = localtime(&now) else { return "<unknown>" }
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", local)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
