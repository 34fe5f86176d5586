import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program run to its end with its output captured, for the tests that ask a real tool
/// (numpy/scipy, promtool, the Prometheus client, Chromium, Go, the model servers' clients)
/// for the expected answer.
///
/// Standard input and standard error go through files, so that the child never blocks on a
/// full pipe while the test waits for it on another. Started as ``SpawnedProcess`` starts its
/// children, with no descriptor of the test process.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: Data
        public var errors: String

        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// Runs `arguments` (the program looked up in PATH, after optional `NAME=VALUE`
    /// environment settings, as `env` reads them) with `input` on standard input.
    public static func run(_ arguments: [String], input: String = "") throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-child-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("stdin")
        let errorFile = directory.appendingPathComponent("stderr")
        try Data(input.utf8).write(to: inputFile)
        try Data().write(to: errorFile)

        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let pid: pid_t
        do {
            pid = try SpawnedProcess.spawn("/usr/bin/env", arguments) { actions in
                posix_spawn_file_actions_addopen(&actions, 0, inputFile.path, O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
                posix_spawn_file_actions_addopen(&actions, 2, errorFile.path, O_WRONLY | O_TRUNC, 0)
            }
        } catch {
            close(pipe[0])
            close(pipe[1])
            throw error
        }
        close(pipe[1])
        defer { close(pipe[0]) }

        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(pipe[0], &buffer, buffer.count)
            if count > 0 {
                output.append(contentsOf: buffer[..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Result(status: SpawnedProcess.exitStatus(status), output: output, errors: errors)
    }
}

extension ChildProcess {
    /// A program's failure, or output that is not the JSON object expected.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs a program of `Tests/Scripts` (`python3 Tests/Scripts/NAME arguments...`, or another
    /// interpreter) and returns the JSON object on the last line of its output: the tools a
    /// script drives may print lines of their own before it (MLflow's client does).
    public static func script(_ name: String, _ arguments: [String], python: String = "python3") throws -> [String: Any] {
        let result = try run([python, Repository.path("Tests/Scripts/\(name)").path] + arguments)
        let last = result.text.split(separator: "\n").last.map { Data($0.utf8) } ?? Data()
        guard result.status == 0, let object = try? JSONSerialization.jsonObject(with: last) as? [String: Any] else {
            throw Failure(description: "\(name) \(arguments.first ?? ""): exit \(result.status): \(result.text) \(result.errors)")
        }
        return object
    }
}
