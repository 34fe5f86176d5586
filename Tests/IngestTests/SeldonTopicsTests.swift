import DriftMonitor
import Ingest
import Testing
import TestSupport

/// Seldon Core v2 as its servers write it: topic names from seldon-core
/// scheduler/pkg/kafka/topics.go (`TopicNamer`), the model gateway's copied headers and keys
/// (scheduler/pkg/kafka/gateway/worker.go), and the schema-registry frame of 2.10. Messages made
/// by Seldon's own clients (confluent-kafka's protobuf serializer, the real .proto) run through
/// the agent in AgentTests' SeldonEndToEndTests.
@Suite("Seldon topics, headers and schema-registry frames")
struct SeldonTopicsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var topic: String
        var parsed: (kind: SeldonTopic.Kind, namespace: String, model: String, role: InferencePayload.Role)?
        var testDescription: String { topic }
    }

    @Test(
        "Topic names: the prefix may hold dots, pipelines and the errors topic are understood, tensor topics are not",
        arguments: [
            Case(topic: "seldon.default.model.iris.inputs", parsed: (.model, "default", "iris", .request)),
            Case(topic: "seldon.default.model.iris.outputs", parsed: (.model, "default", "iris", .response)),
            Case(topic: "team.seldon.prod.model.churn-v2.inputs", parsed: (.model, "prod", "churn-v2", .request)),
            Case(topic: "a.b.c.ns.model.m.outputs", parsed: (.model, "ns", "m", .response)),
            Case(topic: "seldon.ns.pipeline.fraud.inputs", parsed: (.pipeline, "ns", "fraud", .request)),
            Case(topic: "team.seldon.ns.pipeline.fraud.outputs", parsed: (.pipeline, "ns", "fraud", .response)),
            Case(topic: "seldon.ns.errors.errors", parsed: (.errors, "ns", "", .error)),
            Case(topic: "team.seldon.ns.errors.errors", parsed: (.errors, "ns", "", .error)),
            // A model named "model" is still a model.
            Case(topic: "seldon.ns.model.model.inputs", parsed: (.model, "ns", "model", .request)),
            // A pipeline step's tensor topic, short names, other topics.
            Case(topic: "seldon.ns.model.iris.outputs.predict", parsed: nil),
            Case(topic: "ns.model.iris.inputs", parsed: nil),
            Case(topic: "seldon.ns.model.iris.requests", parsed: nil),
            Case(topic: "seldon.ns.server.iris.inputs", parsed: nil),
            Case(topic: "seldon..model.iris.inputs", parsed: nil),
            Case(topic: "logs", parsed: nil),
        ])
    func topicNames(_ example: Case) {
        let topic = SeldonTopic(example.topic)
        #expect(topic.map { [$0.kind == .model ? "model" : $0.kind == .pipeline ? "pipeline" : "errors", $0.namespace, $0.model] }
            == example.parsed.map { [$0.kind == .model ? "model" : $0.kind == .pipeline ? "pipeline" : "errors", $0.namespace, $0.model] })
        #expect(topic?.role == example.parsed?.role)
    }

    func decoder() throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare([Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric)])
        return RecordDecoder(space: space, tensors: ["input": ["x"], "output": ["y"]])
    }

    static func request(_ values: [Double]) -> [UInt8] {
        ModelInferEncoder.request(model: "m", id: "r", inputs: [.init(name: "input", shape: [Int64(values.count)], values: .fp64(values))])
    }

    @Test("The topic decides request or response: a request's copied seldon-infer-type header does not turn a response into a request")
    func topicDecidesRole() throws {
        var decoder = try decoder()
        let response = ModelInferEncoder.response(model: "m", id: "r", outputs: [.init(name: "output", shape: [2], values: .fp64([7, 8]))])
        for header in ["proto/InferModelRequest", "proto/InferModelResponse", nil] {
            var payload = InferencePayload(space: decoder.space)
            let message = InferenceMessage(
                topic: "seldon.ns.model.m.outputs", key: "3.m.7f1c", headers: header.map { ["seldon-infer-type": $0] } ?? [:], value: response)
            try message.decode(.seldon, with: &decoder, into: &payload)
            #expect(payload.role == .response && payload.idString == "3.m.7f1c" && payload.numbers("y", in: decoder.space) == [7, 8])
        }
        // Off a Seldon topic the header is all there is.
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(key: "k", headers: ["seldon-infer-type": "proto/InferModelResponse"], value: response)
            .decode(.seldon, with: &decoder, into: &payload)
        #expect(payload.role == .response)
    }

    @Test("Schema-registry frames: the common [0] path, a nested path, and frames that are cut or lie", arguments: [
        ([0, 0, 0, 0, 7, 0], true),  // schema id 7, path [0]
        ([0, 0, 0, 1, 0, 4, 0, 4], true),  // path [0, 2]: count 2, zigzag
        ([0, 0, 0, 0, 7, 1], false),  // a count of -1
        ([0, 0, 0, 0, 7, 4, 0], false),  // count 2, one index
        ([0, 0, 0, 0, 7, 0x80], false),  // a varint cut short
        ([0, 0, 0, 0, 7, 0xFE, 0x01], false),  // 127 indexes
    ] as [([UInt8], Bool)])
    func frames(frame: [UInt8], valid: Bool) throws {
        var decoder = try decoder()
        var payload = InferencePayload(space: decoder.space)
        let message = InferenceMessage(topic: "seldon.ns.model.m.inputs", key: "m.r", value: frame + Self.request([1.5, 2.5, 3.5]))
        if valid {
            try message.decode(.seldon, with: &decoder, into: &payload)
            #expect(payload.numbers("x", in: decoder.space) == [1.5, 2.5, 3.5] && payload.idString == "m.r")
        } else {
            let error = #expect(throws: DecodeError.self) { try message.decode(.seldon, with: &decoder, into: &payload) }
            #expect(error?.reason == .malformedProtobuf)
        }
    }

    @Test("The errors topic: no rows and no dead letter, the model from the seldon-pipeline-errors header")
    func errorsTopic() throws {
        var decoder = try decoder()
        var payload = InferencePayload(space: decoder.space)
        let message = InferenceMessage(
            topic: "seldon.ns.errors.errors", key: "0.iris.abc", headers: ["seldon-pipeline-errors": "iris"],
            text: "rpc error: code = Unavailable desc = connection refused")
        try message.decode(.seldon, with: &decoder, into: &payload)
        #expect(payload.role == .error && payload.modelString == "iris" && payload.rowCount == 0)
    }
}
