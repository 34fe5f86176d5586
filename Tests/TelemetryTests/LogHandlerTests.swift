import Foundation
import Logging
import Telemetry
import Testing

@Suite("Log lines")
struct LogHandlerTests {
    /// What `log` writes through a handler made by `handler` for a pipe.
    static func written(_ handler: @escaping (String, Int32) -> any LogHandler, _ log: (Logger) -> Void) throws -> String {
        let pipe = Pipe()
        var logger = Logger(label: "driftwatch") { handler($0, pipe.fileHandleForWriting.fileDescriptor) }
        logger.logLevel = .info
        log(logger)
        try pipe.fileHandleForWriting.close()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test("Text lines: swift-log's layout; a newline or escape in a value cannot make a line, a long value is cut")
    func textLines() throws {
        let long = String(repeating: "é", count: 100_000)
        let text = try Self.written({ TextLogHandler(label: $0, descriptor: $1) }) { logger in
            logger.info("window closed", metadata: ["model": "fraud", "offsets": "logs[0]:0-499"])
            logger.warning("event ignored", metadata: ["model": "m\n2026-12-05T00:00:00+0000 critical driftwatch: forged\u{1b}[31m", "name": "\(long)"])
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty, "\(lines.count) lines")
        // As StreamLogHandler writes it: the agent's tests and users' log parsers read this.
        #expect(lines[0].hasSuffix(" info driftwatch: model=fraud offsets=logs[0]:0-499 [TelemetryTests] window closed"), "\(lines[0])")
        #expect(lines[1].contains(#"model=m\n2026-12-05T00:00:00+0000 critical driftwatch: forged\u{1b}[31m"#), "\(lines[1])")
        #expect(lines[1].contains("name=" + String(repeating: "é", count: 512) + "…(200000 bytes)"))
        #expect(lines[1].utf8.count < 2 * TextLogHandler.maximumValueBytes + 200)
    }

    @Test("JSON lines cut long values too")
    func jsonCut() throws {
        let text = try Self.written({ JSONLogHandler(label: $0, descriptor: $1) }) { logger in
            logger.info("x", metadata: ["name": "\(String(repeating: "a", count: 5_000))"])
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["name"] as? String == String(repeating: "a", count: 1_024) + "…(5000 bytes)")
    }

    @Test("One JSON object per line, with the message, level and metadata as fields")
    func lines() throws {
        let pipe = Pipe()
        var logger = Logger(label: "driftwatch") { JSONLogHandler(label: $0, descriptor: pipe.fileHandleForWriting.fileDescriptor) }
        logger.logLevel = .info
        logger[metadataKey: "agent"] = "a-1"
        logger.info(
            "window closed",
            metadata: ["model": "fraud", "drifted": .array(["x", "y"]), "message": "shadowed", "detail": "quote \" and\nnewline"])
        logger.debug("not at this level")
        logger.warning("kafka unreachable")
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["message"] as? String == "window closed")
        #expect(first["level"] as? String == "info")
        #expect(first["logger"] as? String == "driftwatch")
        #expect(first["model"] as? String == "fraud")
        #expect(first["agent"] as? String == "a-1")
        #expect(first["drifted"] as? [String] == ["x", "y"])
        #expect(first["detail"] as? String == "quote \" and\nnewline")
        let time = try #require(first["time"] as? String)
        #expect(time.hasSuffix("Z") && time.count >= 20, "\(time)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["level"] as? String == "warning")
    }
}
