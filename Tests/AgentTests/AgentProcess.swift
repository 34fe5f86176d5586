import Foundation
import Synchronization
import TestSupport

/// The `driftwatch` executable run as a child process, its log lines collected as they come.
final class AgentProcess: Sendable {
    private let process: SpawnedProcess
    private let errors: FileHandle
    private let output = Output()

    /// Complete lines, and the bytes of the line still being written.
    private final class Output: Sendable {
        let state = Mutex<(lines: [String], partial: [UInt8])>(([], []))

        func append(_ data: Data) {
            state.withLock { state in
                state.partial.append(contentsOf: data)
                guard let last = state.partial.lastIndex(of: UInt8(ascii: "\n")) else { return }
                let text = String(decoding: state.partial[...last], as: UTF8.self)
                state.partial.removeSubrange(...last)
                state.lines += text.split(separator: "\n").map(String.init)
            }
        }
    }

    /// The `driftwatch` built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("driftwatch")
    }

    init(arguments: [String], environment: [String: String] = [:]) throws {
        process = try SpawnedProcess(Self.executable.path, arguments, output: .null, error: .pipe, environment: environment)
        errors = process.standardError!
        errors.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(data) }
        }
    }

    /// Starts `driftwatch run --config configuration` and waits until it serves HTTP; returns its port.
    static func run(configuration: String, environment: [String: String] = [:]) async throws -> (AgentProcess, port: Int) {
        try await serve(arguments: ["run", "--config", configuration], environment: environment)
    }

    /// Starts `driftwatch arguments...` and waits until it serves HTTP; returns its port.
    static func serve(arguments: [String], environment: [String: String] = [:]) async throws -> (AgentProcess, port: Int) {
        let agent = try AgentProcess(arguments: arguments, environment: environment)
        let serving = try await agent.waitForLine(containing: "serving /metrics", " port=")
        guard let port = serving.flatMap({ value(of: "port", in: $0) }).flatMap(Int.init) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "driftwatch did not serve HTTP: \(agent.log.suffix(5))"])
        }
        return (agent, port)
    }

    var log: [String] { output.state.withLock { $0.lines } }
    var isRunning: Bool { process.isRunning }
    var processIdentifier: pid_t { process.processIdentifier }
    var exitStatus: Int32 { process.terminationStatus }

    /// Waits for a log line containing every one of `fragments`; returns it.
    func waitForLine(containing fragments: String..., timeout: Duration = .seconds(60)) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = log.first(where: { line in fragments.allSatisfy { line.contains($0) } }) { return line }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return log.first { line in fragments.allSatisfy { line.contains($0) } }
    }

    deinit {
        process.send(SIGKILL)
        errors.readabilityHandler = nil
    }

    /// Sends `signal` and returns.
    func send(_ signal: Int32) {
        process.send(signal)
    }

    /// Sends `signal` and waits for the process to end.
    func kill(_ signal: Int32) {
        process.send(signal)
        process.waitUntilExit()
        drain()
    }

    /// Stops watching the pipe (a handler left on a closed pipe is a use after free in
    /// Foundation) and keeps what is left in it.
    private func drain() {
        errors.readabilityHandler = nil
        let rest = errors.readDataToEndOfFile()
        if !rest.isEmpty { output.append(rest + Data("\n".utf8)) }
    }

    /// Waits for the process to end by itself, up to `timeout`.
    func waitForExit(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if !process.isRunning { drain() }
    }

    /// Sends `signal` and waits for the process to end, up to `timeout`; how long it took.
    func signalAndWait(_ signal: Int32, timeout: Duration) async throws -> Duration {
        let signalled = ContinuousClock.now
        send(signal)
        try await waitForExit(timeout: timeout)
        return ContinuousClock.now - signalled
    }

    /// The closed windows in the log: `(window index, offsets text, event ids)`.
    var windows: [(index: Int, offsets: String, events: [String])] {
        log.filter { $0.contains("window closed") }.compactMap { line in
            guard let index = Self.value(of: "window", in: line).flatMap(Int.init), let offsets = Self.value(of: "offsets", in: line) else {
                return nil
            }
            let events = Self.value(of: "events", in: line).map { $0.split(separator: ",").map(String.init) } ?? []
            return (index, offsets, events)
        }
    }

    /// The process's resident memory now (VmRSS of /proc/PID/status), nil once it has exited.
    var residentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]).map { $0 * 1024 }
    }

    /// A `key=value` of a log line's metadata (values without spaces).
    static func value(of key: String, in line: String) -> String? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }
}
