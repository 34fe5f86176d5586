import Foundation
@_exported import DriftKernels

/// Runs `Tests/Scripts/oracle.py` (numpy/scipy) to get the expected value of a statistic.
///
/// Samples go to the script as raw little-endian Float64 files, so both sides see the very
/// same numbers; the script prints one JSON object.
public enum NumpyOracle {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Calls `oracle.py COMMAND [sample files...] [arguments...]` (or another script of
    /// Tests/Scripts that reads samples the same way) and returns its JSON output.
    public static func run(
        _ command: String, samples: [[Double]] = [], arguments: [String] = [], script: String = "oracle.py"
    ) throws -> [String: Any] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, sample) in samples.enumerated() {
            let url = directory.appendingPathComponent("sample\(index).f64")
            try sample.withUnsafeBytes { Data($0) }.write(to: url)
            paths.append(url.path)
        }
        let result = try ChildProcess.run(["python3", Repository.path("Tests/Scripts/\(script)").path, command] + paths + arguments)
        guard result.status == 0 else {
            throw Failure(description: "\(script) \(command) failed (\(result.status)): \(result.errors)")
        }
        guard let object = try JSONSerialization.jsonObject(with: result.output) as? [String: Any] else {
            throw Failure(description: "\(script) \(command) printed no JSON object")
        }
        return object
    }

    /// Reads a number the oracle wrote as a hex float string ("0x1.8p+1", "nan", "inf").
    public static func double(_ object: [String: Any], _ key: String) throws -> Double {
        guard let value = object[key].flatMap(number) else {
            throw Failure(description: "oracle output has no number '\(key)': \(object)")
        }
        return value
    }

    public static func doubles(_ object: [String: Any], _ key: String) throws -> [Double] {
        guard let values = object[key] as? [Any] else { throw Failure(description: "oracle output has no list '\(key)'") }
        return try values.map { value in
            guard let number = number(value) else { throw Failure(description: "'\(key)' holds \(value), not a number") }
            return number
        }
    }

    private static func number(_ value: Any) -> Double? {
        if let text = value as? String {
            switch text {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return Double(text)
            }
        }
        return (value as? Int).map(Double.init)
    }
}
