import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real `mlflow server` (PyPI, from the environment `make deps` makes in `.venv-mlflow`) on
/// loopback, with a sqlite backend and the artifacts served by the server, as MLflow's docs
/// start one; stopped with the value.
public final class MLflowServer: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The environment with mlflow: its Python runs the registry scripts too.
    public static var environment: URL { Repository.path(".venv-mlflow") }
    public static var python: String { environment.appendingPathComponent("bin/python").path }
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: environment.appendingPathComponent("bin/mlflow").path) }

    public let port: Int
    public let directory: URL
    private let process: SpawnedProcess

    public var trackingURI: String { "http://127.0.0.1:\(port)" }

    public init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-mlflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try LoopbackPort.free()
        process = try SpawnedProcess(
            Self.environment.appendingPathComponent("bin/mlflow").path,
            [
                "server", "--host", "127.0.0.1", "--port", "\(port)", "--backend-store-uri",
                "sqlite:///" + directory.appendingPathComponent("db.sqlite").path, "--artifacts-destination",
                directory.appendingPathComponent("artifacts").path, "--workers", "1",
            ], output: .null, error: .null)
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if let answer = try? await LocalHTTP.get(port: port, "/health"), answer.status == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        process.send(SIGKILL)
        throw Failure(description: "mlflow server did not answer /health on port \(port)")
    }

    /// Runs `Tests/Scripts/mlflow_registry.py arguments...` against this server; its JSON output.
    public func registry(_ arguments: [String]) throws -> [String: Any] {
        // MLflow's client prints its own lines ("View run ... at") before the script's JSON, the last.
        try ChildProcess.script("mlflow_registry.py", [trackingURI] + arguments, python: Self.python)
    }

    /// Stops the server and the workers it started (the registry is down from then on).
    public func stop() {
        let workers = Self.descendants(of: process.processIdentifier)
        process.send(SIGKILL)
        for worker in workers { kill(worker, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every process below `parent`, from /proc (`mlflow server` runs its workers as children).
    static func descendants(of parent: pid_t) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (name) ": the state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { children[ppid, default: []].append(pid) }
        }
        var found: [pid_t] = []
        var queue = [parent]
        while let next = queue.popLast() {
            for child in children[next] ?? [] {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }
}
