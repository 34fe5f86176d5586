import DriftMonitor
import Ingest
import Testing
import TestSupport

/// The bodies KServe's logger captures besides plain JSON, and its components. Messages made by
/// kserve's own encoders and the CloudEvents SDK run through the agent in AgentTests'
/// KServeEndToEndTests; these are the edges: cut, lying and compressed bodies.
@Suite("KServe bodies: binary tensor data, gRPC frames, components")
struct KServeBodiesTests {
    func decoder() throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare([Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric), Feature(name: "city", kind: .categorical)])
        return RecordDecoder(space: space, tensors: ["input-0": ["x", "y"]])
    }

    static func headers(_ type: String = "request", component: String? = nil, contentType: String) -> [String: String] {
        var headers = ["ce_id": "e1", "ce_type": "org.kubeflow.serving.inference.\(type)", "ce_inferenceservicename": "m", "content-type": contentType]
        headers["ce_component"] = component
        return headers
    }

    /// `{"inputs": [input-0 FP64 [2,2], city BYTES [2]]}` with binary data of the sizes given.
    static func binaryBody(fp64Size: Int = 32, bytesSize: Int = 19, trailing: [UInt8] = []) -> [UInt8] {
        let header = """
            {"inputs":[{"name":"input-0","shape":[2,2],"datatype":"FP64","parameters":{"binary_data_size":\(fp64Size)}},\
            {"name":"city","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":\(bytesSize)}}]}
            """
        var body = Array(header.utf8)
        for value in [1.5, 2.5, 3.5, 4.5] { withUnsafeBytes(of: value.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        for city in ["Lyon", "Zürich"] {
            withUnsafeBytes(of: UInt32(city.utf8.count).littleEndian) { body.append(contentsOf: $0) }
            body.append(contentsOf: city.utf8)
        }
        return body + trailing
    }

    @Test("Binary tensor data after the JSON: numbers and length-prefixed BYTES, by declared size")
    func binaryData() throws {
        var decoder = try decoder()
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(headers: Self.headers(contentType: "application/octet-stream"), value: Self.binaryBody())
            .decode(.kserve, with: &decoder, into: &payload)
        #expect(payload.numbers("x", in: decoder.space) == [1.5, 3.5] && payload.numbers("y", in: decoder.space) == [2.5, 4.5])
        #expect(payload.categories("city", in: decoder.space) == ["Lyon", "Zürich"])
    }

    @Test("Binary data that is short, long, or declared for an unknown datatype is refused", arguments: [
        (binaryBody(fp64Size: 40), "declares"),
        (binaryBody(trailing: [0]), "after the declared binary data"),
        (binaryBody(bytesSize: 18), "overruns its tensor"),
        (Array(#"{"inputs":[{"name":"input-0","shape":[1,2],"datatype":"FP99","parameters":{"binary_data_size":16}}]}"#.utf8)
            + Array(repeating: 0, count: 16), "datatype"),
    ])
    func binaryDataRefused(body: [UInt8], detail: String) throws {
        var decoder = try decoder()
        var payload = InferencePayload(space: decoder.space)
        let error = #expect(throws: DecodeError.self) {
            try InferenceMessage(headers: Self.headers(contentType: "application/octet-stream"), value: body)
                .decode(.kserve, with: &decoder, into: &payload)
        }
        #expect(error?.reason == .malformedTensor && error?.detail.contains(detail) == true, "\(String(describing: error))")
    }

    @Test("gRPC frames: one uncompressed unary message; compressed or mis-sized frames are refused")
    func grpcFrames() throws {
        var decoder = try decoder()
        let message = ModelInferEncoder.request(model: "m", id: "e1", inputs: [.init(name: "input-0", shape: [1, 2], values: .fp64([7, 8]))])
        func framed(_ flag: UInt8, _ length: Int) -> [UInt8] {
            [flag, UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + message
        }
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(headers: Self.headers(contentType: "application/grpc"), value: framed(0, message.count))
            .decode(.kserve, with: &decoder, into: &payload)
        #expect(payload.numbers("x", in: decoder.space) == [7] && payload.numbers("y", in: decoder.space) == [8])
        for (bad, detail) in [(framed(1, message.count), "compressed"), (framed(0, message.count + 1), "frame"), ([0, 0], "shorter")] {
            let error = #expect(throws: DecodeError.self) {
                try InferenceMessage(headers: Self.headers(contentType: "application/grpc+proto"), value: bad)
                    .decode(.kserve, with: &decoder, into: &payload)
            }
            #expect(error?.reason == .malformedProtobuf && error?.detail.contains(detail) == true)
        }
    }

    @Test("Segments from the logger's metadata: the first value of the named header, its name without case, in both modes")
    func metadataSegments() throws {
        var space = FeatureSpace()
        try space.declare([Feature(name: "x", kind: .numeric)])
        var fields = JSONFields()
        fields.segmentMetadata = "X-Tenant"
        var decoder = RecordDecoder(space: space, fields: fields)
        func segment(_ message: InferenceMessage) throws -> String {
            var payload = InferencePayload(space: decoder.space)
            try message.decode(.kserve, with: &decoder, into: &payload)
            return String(decoding: payload.segment, as: UTF8.self)
        }
        var binary = Self.headers(contentType: "application/json")
        binary["ce_metadata"] = #"{"User-Agent":["curl"],"X-Tenant":["gold","silver"]}"#
        #expect(try segment(InferenceMessage(headers: binary, text: #"{"instances":[{"x":1}]}"#)) == "gold")
        binary["ce_metadata"] = #"{"x-tenant":"t\u00e9"}"#
        #expect(try segment(InferenceMessage(headers: binary, text: #"{"instances":[{"x":1}]}"#)) == "té")
        binary["ce_metadata"] = "{}"
        #expect(try segment(InferenceMessage(headers: binary, text: #"{"instances":[{"x":1}]}"#)) == "")
        binary["ce_metadata"] = "[1]"
        #expect(throws: DecodeError.self) { try segment(InferenceMessage(headers: binary, text: #"{"instances":[{"x":1}]}"#)) }
        // Structured mode: the attribute is a string holding the JSON.
        let event = #"{"specversion":"1.0","id":"e2","type":"org.kubeflow.serving.inference.request","metadata":"{\"X-TENANT\":[\"bronze\"]}","data":{"instances":[{"x":1}]}}"#
        #expect(try segment(InferenceMessage(headers: ["content-type": "application/cloudevents+json"], text: event)) == "bronze")
    }

    @Test("Components: a predictor keeps the service's name and id, a transformer gets its own", arguments: [
        (nil, "m", "e1"), ("predictor", "m", "e1"), ("transformer", "m/transformer", "e1#transformer"), ("explainer", "m/explainer", "e1#explainer"),
    ] as [(String?, String, String)])
    func components(component: String?, model: String, id: String) throws {
        var decoder = try decoder()
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(headers: Self.headers(component: component, contentType: "application/json"), text: #"{"instances":[[1,2]]}"#)
            .decode(.kserve, with: &decoder, into: &payload)
        #expect(payload.modelString == model && payload.idString == id)
    }
}
