import DriftMonitor
import Ingest
import Testing

/// Messages that must be dead-lettered, each with the reason the DLQ header will carry.
@Suite("Malformed messages and their dead-letter reasons")
struct MalformedCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var format: RecordDecoder.Format
        var message: @Sendable () -> InferenceMessage
        var reason: DecodeError.Reason
        var testDescription: String { "\(name) (\(format.rawValue))" }
    }

    static let binary = ["ce_id": "1", "ce_type": "org.kubeflow.serving.inference.request"]
    static let structured = ["content-type": "application/cloudevents+json; charset=UTF-8"]
    static let seldonInputs = "seldon.ns.model.m.inputs"

    static let cases: [Case] = [
        Case(name: "tombstone", format: .json, message: { InferenceMessage(value: nil) }, reason: .emptyValue),
        Case(name: "zero-length value", format: .kserve, message: { InferenceMessage(headers: binary, value: []) }, reason: .emptyValue),
        Case(name: "truncated JSON", format: .json, message: { InferenceMessage(text: "{\"features\":{\"x\":1") }, reason: .malformedJSON),
        Case(name: "array root", format: .json, message: { InferenceMessage(text: "[1,2]") }, reason: .notAnObject),
        Case(name: "string root", format: .json, message: { InferenceMessage(text: "\"x\"") }, reason: .notAnObject),
        Case(
            name: "features that are a string", format: .json, message: { InferenceMessage(text: "{\"model\":\"m\",\"features\":\"oops\"}") },
            reason: .featuresNotAnObject),
        Case(name: "features that are null", format: .json, message: { InferenceMessage(text: "{\"features\":null,\"x\":1}") }, reason: .featuresNotAnObject),
        Case(name: "number root in a CloudEvent body", format: .kserve, message: { InferenceMessage(headers: binary, text: "42") }, reason: .notAnObject),
        Case(
            name: "deep nesting", format: .kserve,
            message: { InferenceMessage(headers: binary, text: "{\"instances\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}") },
            reason: .tooDeep),
        Case(
            name: "10 MB message", format: .json,
            message: { InferenceMessage(text: "{\"x\":\"" + String(repeating: "a", count: 10 << 20) + "\"}") }, reason: .tooLarge),
        Case(
            name: "invalid UTF-8 in a category", format: .json,
            message: { InferenceMessage(value: Array("{\"city\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)) }, reason: .invalidUTF8),
        Case(
            name: "invalid UTF-8 in a BYTES tensor", format: .seldon,
            message: {
                InferenceMessage(
                    topic: seldonInputs,
                    value: ModelInferEncoder.request(model: "m", id: "1", inputs: [.init(name: "city", shape: [1], values: .bytes(["\u{FFFF}"]))])
                        .map { $0 == 0xEF ? 0xFF : $0 })
            }, reason: .invalidUTF8),
        Case(name: "protobuf garbage", format: .protobuf, message: { InferenceMessage(value: [0xFF, 0xFF, 0xFF, 0xFF]) }, reason: .malformedProtobuf),
        Case(
            name: "protobuf garbage on a Seldon topic", format: .seldon,
            message: { InferenceMessage(topic: seldonInputs, value: [0x2A, 0x7F, 0x0A]) }, reason: .malformedProtobuf),
        Case(
            name: "Seldon JSON cut short", format: .seldon,
            message: { InferenceMessage(topic: seldonInputs, headers: ["seldon-infer-type": "json/inferModelRequest"], text: "{\"inputs\":[") },
            reason: .malformedJSON),
        Case(
            name: "no CloudEvent headers", format: .kserve, message: { InferenceMessage(text: "{\"instances\":[[1]]}") },
            reason: .missingHeader),
        Case(
            name: "ce_type without ce_id", format: .kserve,
            message: { InferenceMessage(headers: ["ce_type": "org.kubeflow.serving.inference.request"], text: "{\"instances\":[[1]]}") },
            reason: .missingHeader),
        Case(
            name: "structured event without id", format: .kserve,
            message: { InferenceMessage(headers: structured, text: "{\"type\":\"org.kubeflow.serving.inference.request\",\"data\":{}}") },
            reason: .malformedCloudEvent),
        Case(
            name: "structured event whose data is a string", format: .kserve,
            message: { InferenceMessage(headers: structured, text: "{\"id\":\"1\",\"type\":\"t\",\"data\":\"{}\"}") },
            reason: .malformedCloudEvent),
        Case(
            name: "data_base64 that is not base64", format: .kserve,
            message: { InferenceMessage(headers: structured, text: "{\"id\":\"1\",\"type\":\"t\",\"data_base64\":\"e30*\"}") },
            reason: .malformedCloudEvent),
        Case(
            name: "unknown tensor datatype", format: .seldon,
            message: {
                InferenceMessage(topic: seldonInputs, value: ModelInferEncoder.request(model: "m", id: "1", inputs: [.init(name: "x", shape: [1], values: .fp64([1]))]).replacing(Array("FP64".utf8), with: Array("FP63".utf8)))
            }, reason: .malformedTensor),
        Case(
            name: "raw contents of the wrong size", format: .seldon,
            message: {
                // FP64 raw contents of 7 bytes: the tensor {x, FP64, [1]} then raw_input_contents.
                let tensor: [UInt8] = [0x0A, 1, UInt8(ascii: "x"), 0x12, 4] + Array("FP64".utf8) + [0x18, 1]
                return InferenceMessage(topic: seldonInputs, value: [0x2A, UInt8(tensor.count)] + tensor + [0x3A, 7] + [UInt8](repeating: 0, count: 7))
            }, reason: .malformedTensor),
        Case(
            name: "more raw contents than tensors", format: .seldon,
            message: { InferenceMessage(topic: seldonInputs, value: [0x3A, 1, 0]) }, reason: .malformedTensor),
        Case(
            name: "a batch above the row limit", format: .kserve,
            message: { InferenceMessage(headers: binary, text: "{\"instances\":[" + Array(repeating: "[1]", count: 70_000).joined(separator: ",") + "]}") },
            reason: .malformedTensor),
    ]

    @Test("Each malformed message fails with its reason", arguments: cases)
    func reason(_ testCase: Case) throws {
        var space = FeatureSpace()
        try space.declare([Feature(name: "x", kind: .numeric), Feature(name: "city", kind: .categorical)])
        var decoder = RecordDecoder(space: space, tensors: ["instances": ["x"]])
        var payload = InferencePayload(space: space)
        do {
            try testCase.message().decode(testCase.format, with: &decoder, into: &payload)
            Issue.record("\(testCase.name) decoded without error")
        } catch {
            #expect(error.reason == testCase.reason, "\(testCase.name): \(error)")
        }
        // The decoder is still usable: a good message right after decodes.
        try InferenceMessage(headers: Self.binary, text: "{\"instances\":[[2.5]]}").decode(.kserve, with: &decoder, into: &payload)
        #expect(payload.rowCount == 1 && payload.rows[0].numeric[0] == 2.5)
    }
}

extension Array where Element == UInt8 {
    /// The array with the first occurrence of `pattern` replaced.
    fileprivate func replacing(_ pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard pattern.count <= count else { return self }
        for start in 0...(count - pattern.count) where Array(self[start..<(start + pattern.count)]) == pattern {
            return Array(self[..<start]) + replacement + Array(self[(start + pattern.count)...])
        }
        return self
    }
}
