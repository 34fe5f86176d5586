import KafkaIO
import Testing

@testable import Agent

/// The grace the sinks get once the agent is asked to stop.
@Suite("Shutdown grace")
struct ShutdownGraceTests {
    @Test("Over only once the stop was seen at least the grace ago")
    func grace() async throws {
        let stop = StopFlag()
        let grace = ShutdownGrace(grace: .milliseconds(300)) { stop.isSet }
        #expect(!grace.isOver)
        try await Task.sleep(for: .milliseconds(400))
        #expect(!grace.isOver, "the grace counts from the stop, not from the start")
        stop.set()
        #expect(!grace.isOver)
        try await Task.sleep(for: .milliseconds(400))
        #expect(grace.isOver)
    }
}
