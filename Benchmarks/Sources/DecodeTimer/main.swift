import Agent
import DriftMonitor
import Foundation
import Ingest

// Usage: DecodeTimer [RECORDS [FORMAT]]
// Decodes the demo's records (20 numeric + 5 categorical features) on one thread and prints
// records (messages) per second, as JSON: JSON and protobuf InferenceLog through the row API,
// JSON through the payload API the pipeline uses, and Seldon ModelInferRequest/Response messages.
// FORMAT (json, protobuf or seldon) times that one alone, for a profiler.
let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil

var space = FeatureSpace()
try space.declare(DemoTraffic.features)

/// Best of five passes over `records`, in seconds.
func best(_ pass: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
        let start = ContinuousClock.now
        try pass()
        let elapsed = ContinuousClock.now - start
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return best
}

var results: [String: Double] = [:]
for format in [RecordDecoder.Format.json, .protobuf] where only == nil || only == format.rawValue {
    var traffic = DemoTraffic(seed: 3, driftAfter: .max, format: format)
    let records = (0..<count).map { traffic.next(timestampMilliseconds: 1_764_000_000_000 + Int64($0)) }
    var decoder = RecordDecoder(space: space)
    var row = DecodedRow(space: space)
    let seconds = try best {
        for record in records { try record.withUnsafeBytes { try decoder.decode($0, format: format, into: &row) } }
    }
    results["\(format.rawValue)_records_per_second"] = Double(count) / seconds
    results["\(format.rawValue)_bytes_per_record"] = Double(records.reduce(0) { $0 + $1.count }) / Double(count)
    if format == .json {
        var payload = InferencePayload(space: space)
        let seconds = try best {
            for record in records { try record.withUnsafeBytes { try decoder.decode($0, format: .json, into: &payload) } }
        }
        results["json_payload_records_per_second"] = Double(count) / seconds
    }
}

// Seldon: each inference is a request on .inputs and a response on .outputs.
if only == nil || only == "seldon" {
    var traffic = DemoTraffic(seed: 3, driftAfter: .max, format: .seldon)
    let messages = (0..<count / 2).flatMap { traffic.nextMessages(timestampMilliseconds: 1_764_000_000_000 + Int64($0)) }
    let topics = [DemoTraffic.seldonInputs: SeldonTopic(DemoTraffic.seldonInputs), DemoTraffic.seldonOutputs: SeldonTopic(DemoTraffic.seldonOutputs)]
    let envelopes = messages.map { topics[$0.topic!]! }
    var decoder = RecordDecoder(space: space, tensors: DemoTraffic.tensors)
    var payload = InferencePayload(space: space)
    let seconds = try best {
        for (message, topic) in zip(messages, envelopes) {
            try message.value.withUnsafeBytes { value in
                var envelope = MessageEnvelope()
                envelope.topic = topic
                try decoder.decode(value, format: .seldon, envelope: envelope, into: &payload)
            }
        }
}
results["seldon_messages_per_second"] = Double(messages.count) / seconds
results["seldon_bytes_per_message"] = Double(messages.reduce(0) { $0 + $1.value.count }) / Double(messages.count)
}
print("{" + results.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}")
