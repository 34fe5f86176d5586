import DriftMonitor
import FuzzerDriver
import Foundation
import Ingest

#if canImport(Glibc)
import Glibc
#endif

/// One input, decoded in every format: as a JSON record, a protobuf InferenceLog record, a
/// KServe CloudEvent (binary and structured mode) and a Seldon ModelInfer message (request and
/// response topics) and as a CSV file (schema inferred, then read), with a schema of numeric,
/// categorical, boolean and vector features, an ignored field and tensor mappings.
/// Any crash, sanitizer report or hang is a finding; a DecodeError is the expected answer to garbage.
enum DecoderFuzzer {
    nonisolated(unsafe) static var decoder: RecordDecoder = {
        var space = FeatureSpace()
        try! space.declare([  // fixed, distinct names
            Feature(name: "amount", kind: .numeric), Feature(name: "age", kind: .numeric),
            Feature(name: "device", kind: .categorical), Feature(name: "is_new", kind: .categorical),
            Feature(name: "embedding", kind: .vector, dimension: 4),
        ])
        try! space.markBoolean("is_new")
        return RecordDecoder(
            space: space, tensors: ["instances": ["amount", "age", "device"], "input-0": ["age", "amount"], "vectors": ["embedding"]], ignoredFields: ["debug"],
            maximumRecordBytes: 1 << 20, maximumDepth: 64, maximumBatchRows: 4_096)
    }()
    nonisolated(unsafe) static var row = DecodedRow(space: decoder.space)
    nonisolated(unsafe) static var payload = InferencePayload(space: decoder.space)
    static let topics = [SeldonTopic("seldon.ns.model.m.inputs"), SeldonTopic("seldon.ns.model.m.outputs")]
    static let headers: [StaticString] = [
        "application/cloudevents+json", "org.kubeflow.serving.inference.request", "org.kubeflow.serving.inference.response", "id-1",
        "2025-01-01T00:00:00Z", "json/inferModelRequest",
    ]
}

@main
struct DecoderFuzzerMain {
    static func main() {
        runFuzzer(fuzz)
    }
}

/// The callback libFuzzer calls with each input (also exported under its conventional name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for format in RecordDecoder.Format.allCases where format.isSingleRow {
        do {
            try DecoderFuzzer.decoder.decode(bytes, format: format, into: &DecoderFuzzer.row)
        } catch {
            _ = error.reason
        }
    }
    // Envelopes: structured, binary request, binary response; Seldon inputs, outputs, JSON-marked.
    for variant in 0..<6 {
        var envelope = MessageEnvelope()
        func header(_ index: Int) -> UnsafeRawBufferPointer {
            let text = DecoderFuzzer.headers[index]
            return UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        }
        switch variant {
        case 0: envelope.contentType = header(0)
        case 1, 2:
            envelope.eventType = header(variant)
            envelope.eventID = header(3)
            envelope.eventTime = header(4)
        case 3, 4: envelope.topic = DecoderFuzzer.topics[variant - 3]
        default:
            envelope.topic = DecoderFuzzer.topics[0]
            envelope.seldonInferType = header(5)
        }
        envelope.key = header(3)
        do {
            try DecoderFuzzer.decoder.decode(bytes, format: variant < 3 ? .kserve : .seldon, envelope: envelope, into: &DecoderFuzzer.payload)
        } catch {
            _ = error.reason
        }
        _ = try? DecoderFuzzer.decoder.decode(bytes, format: .auto, envelope: envelope, into: &DecoderFuzzer.payload)
    }
    let csv = CSVFile(contents: Data(bytes), name: "fuzz.csv")
    if let features = try? csv.inferSchema(sampleLines: 50) {
        let booleans = Set(features.filter { $0.kind == .categorical }.prefix(1).map(\.name))
        _ = try? csv.read(features: features, booleans: booleans)
    }
    return 0
}
