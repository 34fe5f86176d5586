import Foundation

/// A program run to its end with its output captured, for the tests that ask a real tool
/// (numpy/scipy, promtool, the Prometheus client, Chromium) for the expected answer.
///
/// Standard input and standard error go through files, so that the child never blocks on a
/// full pipe while the test waits for it on another.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: Data
        public var errors: String

        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// Runs `arguments` (the program looked up in PATH) with `input` on standard input.
    public static func run(_ arguments: [String], input: String = "") throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-child-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("stdin")
        let errorFile = directory.appendingPathComponent("stderr")
        try Data(input.utf8).write(to: inputFile)
        try Data().write(to: errorFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: data, errors: errors)
    }
}
