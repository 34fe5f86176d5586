import DriftMonitor
import Ingest
import KafkaIO

/// One Kafka message of demo traffic.
public struct DemoMessage: Sendable {
    /// The topic, when not the one the traffic goes to (Seldon's `.inputs` and `.outputs`).
    public var topic: String?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [MessageHeader]
}

/// The demo's records as model servers log them: KServe inference-logger CloudEvents and
/// Seldon Core v2 ModelInfer messages, a request and a response per inference.
extension DemoTraffic {
    public static let seldonInputs = "seldon.default.model.\(model).inputs"
    public static let seldonOutputs = "seldon.default.model.\(model).outputs"

    /// The column mapping of the demo's tensors: KServe v1 `instances` rows hold every
    /// feature, the OIP `input-0` tensor the numeric ones; categorical features travel as
    /// one-column BYTES tensors named after them.
    public static var tensors: [String: [String]] {
        ["instances": numeric.map(\.name) + categorical.map(\.name), "input-0": numeric.map(\.name)]
    }

    /// The messages of the next inference: one record for `json` and `protobuf`; a request
    /// and a response for `kserve` (binary-mode v1 and structured-mode OIP v2, alternately)
    /// and `seldon` (typed and raw contents alternately). A malformed inference is one bad message.
    public mutating func nextMessages(timestampMilliseconds: Int64) -> [DemoMessage] {
        switch format {
        case .json, .protobuf, .auto:
            return [DemoMessage(topic: nil, key: nil, value: next(timestampMilliseconds: timestampMilliseconds), headers: [])]
        case .kserve, .seldon:
            break
        }
        produced += 1
        let id = "req-\(produced)"
        if malformedEvery > 0 && produced % malformedEvery == 0 {
            return [malformedMessage(id: id)]
        }
        drawFeatures(drifting: produced > driftAfter)
        let prediction = Double.random(in: 0..<1, using: &generator)
        if format == .seldon {
            return seldonMessages(id: id, prediction: prediction)
        }
        return produced % 2 == 0
            ? kserveStructured(id: id, prediction: prediction, time: timestampMilliseconds)
            : kserveBinary(id: id, prediction: prediction, time: timestampMilliseconds)
    }

    private func kserveBinary(id: String, prediction: Double, time: Int64) -> [DemoMessage] {
        let instance = numbers.map(Self.decimal) + categories.map { "\"\($0)\"" }
        let request = "{\"instances\":[[\(instance.joined(separator: ","))]]}"
        let response = "{\"predictions\":[\(Self.decimal(prediction))]}"
        func headers(_ type: String) -> [MessageHeader] {
            [
                MessageHeader(name: "ce_specversion", string: "1.0"), MessageHeader(name: "ce_id", string: id),
                MessageHeader(name: "ce_type", string: "org.kubeflow.serving.inference.\(type)"),
                MessageHeader(name: "ce_source", string: "http://localhost:9081/"),
                MessageHeader(name: "ce_time", string: RFC3339.format(milliseconds: time)),
                MessageHeader(name: "ce_inferenceservicename", string: Self.model),
                MessageHeader(name: "ce_namespace", string: "default"), MessageHeader(name: "ce_component", string: "predictor"),
                MessageHeader(name: "ce_endpoint", string: "default"), MessageHeader(name: "content-type", string: "application/json"),
            ]
        }
        // Keyed by the event id, as a KafkaSink does with the partitionkey extension.
        return [
            DemoMessage(topic: nil, key: Array(id.utf8), value: Array(request.utf8), headers: headers("request")),
            DemoMessage(topic: nil, key: Array(id.utf8), value: Array(response.utf8), headers: headers("response")),
        ]
    }

    private func kserveStructured(id: String, prediction: Double, time: Int64) -> [DemoMessage] {
        var inputs = ["{\"name\":\"input-0\",\"shape\":[1,\(numbers.count)],\"datatype\":\"FP64\",\"data\":[\(numbers.map(Self.decimal).joined(separator: ","))]}"]
        for (feature, value) in zip(Self.categorical, categories) {
            inputs.append("{\"name\":\"\(feature.name)\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"\(value)\"]}")
        }
        let request = "{\"id\":\"\(id)\",\"inputs\":[\(inputs.joined(separator: ","))],\"outputs\":[{\"name\":\"predict\"}]}"
        let response = "{\"model_name\":\"\(Self.model)\",\"id\":\"\(id)\",\"outputs\":[{\"name\":\"predict\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[\(Self.decimal(prediction))]}]}"
        func event(_ type: String, _ data: String) -> DemoMessage {
            let value = "{\"specversion\":\"1.0\",\"id\":\"\(id)\",\"type\":\"org.kubeflow.serving.inference.\(type)\",\"source\":\"http://localhost:9081/\",\"time\":\"\(RFC3339.format(milliseconds: time))\",\"inferenceservicename\":\"\(Self.model)\",\"namespace\":\"default\",\"datacontenttype\":\"application/json\",\"data\":\(data)}"
            return DemoMessage(
                topic: nil, key: Array(id.utf8), value: Array(value.utf8),
                headers: [MessageHeader(name: "content-type", string: "application/cloudevents+json; charset=UTF-8")])
        }
        return [event("request", request), event("response", response)]
    }

    private func seldonMessages(id: String, prediction: Double) -> [DemoMessage] {
        var inputs = [ModelInferEncoder.Tensor(name: "input-0", shape: [1, Int64(numbers.count)], values: .fp64(numbers))]
        for (feature, value) in zip(Self.categorical, categories) {
            inputs.append(ModelInferEncoder.Tensor(name: feature.name, shape: [1], values: .bytes([value])))
        }
        let raw = produced % 2 == 0
        let outputs = [ModelInferEncoder.Tensor(name: "predict", shape: [1], values: .fp64([prediction]))]
        let key = Array("\(Self.model).\(id)".utf8)
        let typeHeaders = raw ? [] : [MessageHeader(name: "seldon-infer-type", string: "proto/InferModelRequest")]
        return [
            DemoMessage(
                topic: Self.seldonInputs, key: key, value: ModelInferEncoder.request(model: Self.model, id: id, inputs: inputs, raw: raw),
                headers: typeHeaders + [MessageHeader(name: "pipeline", string: Self.model), MessageHeader(name: "x-request-id", string: id)]),
            DemoMessage(
                topic: Self.seldonOutputs, key: key,
                value: ModelInferEncoder.response(model: Self.model, id: id, outputs: outputs, raw: raw),
                headers: [MessageHeader(name: "pipeline", string: Self.model), MessageHeader(name: "x-request-id", string: id)]),
        ]
    }

    /// Kinds alternate, so that a run dead-letters each reason the format can have.
    private func malformedMessage(id: String) -> DemoMessage {
        let second = produced / malformedEvery % 2 == 0
        switch (format, second) {
        case (.seldon, false):
            return DemoMessage(topic: Self.seldonInputs, key: Array(id.utf8), value: [0x2A, 0x7F, 0x0A], headers: [])
        case (.seldon, true):
            return DemoMessage(
                topic: Self.seldonInputs, key: Array(id.utf8), value: Array("{\"inputs\":[{\"name\":".utf8),
                headers: [MessageHeader(name: "seldon-infer-type", string: "json/inferModelRequest")])
        case (_, false):
            return DemoMessage(
                topic: nil, key: nil, value: Array("{\"instances\":[[1,2]]}".utf8),
                headers: [MessageHeader(name: "ce_type", string: "org.kubeflow.serving.inference.request")])
        case (_, true):
            return DemoMessage(
                topic: nil, key: nil, value: Array("{\"instances\":[[1,".utf8),
                headers: [
                    MessageHeader(name: "ce_id", string: id), MessageHeader(name: "ce_type", string: "org.kubeflow.serving.inference.request"),
                ])
        }
    }

    /// The dead-letter reasons of ``malformedMessage(id:)``, in order.
    public static func malformedReasons(_ format: RecordDecoder.Format) -> [DecodeError.Reason] {
        switch format {
        case .seldon: [.malformedProtobuf, .malformedJSON]
        case .kserve: [.missingHeader, .malformedJSON]
        case .json, .auto: [.malformedJSON]
        case .protobuf: [.malformedProtobuf]
        }
    }

    /// Three decimals, as ``appendDecimal(_:to:)`` writes them in JSON lines.
    static func decimal(_ value: Double) -> String {
        var text: [UInt8] = []
        appendDecimal(value, to: &text)
        return String(decoding: text, as: UTF8.self)
    }
}
