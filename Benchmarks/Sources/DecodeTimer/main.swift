import Agent
import DriftMonitor
import Foundation
import Ingest

// Usage: DecodeTimer [RECORDS]
// Decodes the demo's records (20 numeric + 5 categorical features) as JSON and as protobuf on
// one thread and prints records per second for each, as JSON.
let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000

var results: [String: Double] = [:]
for format in RecordDecoder.Format.allCases {
    var traffic = DemoTraffic(seed: 3, driftAfter: .max, format: format)
    var records: [[UInt8]] = []
    records.reserveCapacity(count)
    for i in 0..<count { records.append(traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64(i))) }
    let bytes = records.reduce(0) { $0 + $1.count }
    var space = FeatureSpace()
    try space.declare(DemoTraffic.features)
    var decoder = RecordDecoder(space: space)
    var row = DecodedRow(space: space)
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        for record in records {
            try record.withUnsafeBytes { try decoder.decode($0, format: format, into: &row) }
        }
        let elapsed = ContinuousClock.now - start
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    results["\(format.rawValue)_records_per_second"] = Double(count) / best
    results["\(format.rawValue)_bytes_per_record"] = Double(bytes) / Double(count)
}
print("{" + results.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}")
