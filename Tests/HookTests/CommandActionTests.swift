import DriftMonitor
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Hook
import Testing

@Suite("Running the hook's command")
struct CommandActionTests {
    let event: RetrainingEvent
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-command-\(UUID())")

    init() throws {
        event = try RetrainingEvent(value: RetrainingEventTests.agentEvent().cloudEventJSON(), headers: [:])
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func run(_ script: String, timeout: Duration = .seconds(30), shouldStop: () -> Bool = { false }) -> ActionResult {
        CommandAction(arguments: ["sh", "-c", script, "sh", directory.path], environment: ["PATH": "/usr/bin:/bin"])
            .perform(event, attempt: 1, timeout: timeout, shouldStop: shouldStop)
    }

    @Test("Exit status 0 succeeds; any other status, a signal or a missing program fails", arguments: [
        ("exit 0", ActionResult.succeeded),
        ("exit 3", .failed("exit status 3")),
        ("kill -9 $$", .failed("killed by signal 9")),
    ])
    func statuses(script: String, expected: ActionResult) {
        #expect(run(script) == expected)
    }

    @Test("The command inherits no descriptor but standard input, output and error")
    func descriptors() throws {
        // Not close-on-exec, as librdkafka's and NIO's own descriptors are not all.
        let open = Glibc.open("/dev/null", O_RDONLY)
        try #require(open > 2)
        defer { close(open) }
        #expect(run(#"ls /proc/self/fd > "$1/descriptors""#) == .succeeded)
        let listed = try String(contentsOf: directory.appendingPathComponent("descriptors"), encoding: .utf8).split(separator: "\n")
        // ls's own: 0-2, and the directory it lists.
        #expect(listed == ["0", "1", "2", "3"])
    }

    @Test("A program that is not there fails without starting")
    func missing() {
        let result = CommandAction(arguments: ["no-such-retrain"], environment: ["PATH": "/usr/bin:/bin"])
            .perform(event, attempt: 1, timeout: .seconds(5)) { false }
        #expect(result == .failed("no-such-retrain: no such executable"))
    }

    @Test("The command starts with no blocked or ignored signal, so a timeout's SIGTERM stops it and its children")
    func timeoutStopsTheGroup() throws {
        let started = ContinuousClock.now
        let result = run(#"grep -E '^Sig(Blk|Ign)' /proc/self/status > "$1/signals"; sleep 30 & echo $! > "$1/child"; wait"#, timeout: .milliseconds(500))
        #expect(result == .failed("timed out after 0.5 seconds"))
        #expect(ContinuousClock.now - started < .seconds(5))
        let signals = try String(contentsOf: directory.appendingPathComponent("signals"), encoding: .utf8).split(separator: "\n")
            .compactMap { line -> UInt64? in line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) } }
        #expect(signals.count == 2)
        #expect(signals.first == 0, "blocked signals")
        // Ignored: none but glibc's own real-time signals 32 and 33, which no process can reset.
        #expect(signals.last.map { $0 & ~(UInt64(3) << 31) } == 0, "ignored signals")
        // The shell's own child (sleep) went with the group.
        let child = try #require(Int32(try String(contentsOf: directory.appendingPathComponent("child"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for whoever adopted it to reap it: the kill takes a moment to land.
        func state() -> Substring? {
            (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
        }
        let gone = ContinuousClock.now + .seconds(5)
        while let now = state(), now != "Z", ContinuousClock.now < gone { usleep(10_000) }
        let state = state()
        #expect(state == nil || state == "Z", "sleep is still \(state ?? "?")")
    }

    @Test("A shutdown interrupts the command: the attempt is neither success nor failure")
    func interrupted() {
        let started = ContinuousClock.now
        #expect(run("sleep 30") { ContinuousClock.now - started > .milliseconds(300) } == .interrupted)
    }
}
