#if canImport(Glibc)
import Glibc
#endif

/// What Kafka accepts as a topic to subscribe to, checked before librdkafka sees it: a name
/// of 1 to 249 of `[a-zA-Z0-9._-]` (not `.` or `..`), or a subscription pattern starting with
/// `^`, which librdkafka compiles with POSIX `regcomp(REG_EXTENDED | REG_NOSUB)`.
public enum TopicName {
    /// Why `topic` cannot be subscribed to, or nil.
    public static func problem(_ topic: String) -> String? {
        if topic.hasPrefix("^") {
            var expression = regex_t()
            let status = regcomp(&expression, topic, REG_EXTENDED | REG_NOSUB)
            guard status == 0 else { return "'\(topic)' is not a valid regular expression (regcomp error \(status))" }
            regfree(&expression)
            return nil
        }
        guard !topic.isEmpty else { return "a topic name is empty" }
        guard topic.utf8.count <= 249 else { return "topic name of \(topic.utf8.count) bytes, at most 249" }
        guard topic != ".", topic != ".." else { return "'\(topic)' is not a topic name" }
        let legal = topic.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return legal ? nil : "'\(topic)' has a character outside [a-zA-Z0-9._-]"
    }
}
