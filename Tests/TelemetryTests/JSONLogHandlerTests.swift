import Foundation
import Logging
import Telemetry
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
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
