import DriftKernels
import DriftMonitor
import Foundation
import Ingest
import Testing

/// KServe CloudEvents and Seldon ModelInfer messages into rows: the fixtures of each real
/// shape, protobuf packed by libprotobuf-c (the committed protoc-c code), and the join.
@Suite("Inference messages: KServe and Seldon")
struct InferenceDecodingTests {
    static let iris = [
        Feature(name: "sepal_length", kind: .numeric), Feature(name: "sepal_width", kind: .numeric),
        Feature(name: "petal_length", kind: .numeric), Feature(name: "petal_width", kind: .numeric),
        Feature(name: "species", kind: .categorical),
    ]

    func decoder(_ features: [Feature], tensors: [String: [String]]) throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare(features)
        return RecordDecoder(space: space, tensors: tensors)
    }

    /// Milliseconds of an RFC 3339 time, by Foundation.
    func foundationMilliseconds(_ text: String, fraction: Int64 = 0) -> Int64 {
        let formatter = ISO8601DateFormatter()
        return Int64(formatter.date(from: text)!.timeIntervalSince1970) * 1000 + fraction
    }

    @Test("KServe binary mode, v1 bodies: instances and predictions by the tensor mapping, joined by ce_id")
    func kserveBinaryV1() throws {
        let names = Self.iris.map(\.name)
        var decoder = try decoder(Self.iris, tensors: ["instances": Array(names[0..<4]), "predictions": ["species"]])
        var request = InferencePayload(space: decoder.space)
        try InferenceMessage(fixture: "kserve-binary-v1-request.json").decode(.kserve, with: &decoder, into: &request)
        #expect(request.role == .request)
        #expect(request.idString == "0009174a-24a8-4603-b098-09c8799950e9")
        #expect(request.modelString == "sklearn-iris")
        #expect(request.timestampMilliseconds == foundationMilliseconds("2024-05-06T14:33:35Z", fraction: 123))
        #expect(request.rowCount == 2)
        #expect(request.numbers("sepal_length", in: decoder.space) == [6.8, 6.0])
        #expect(request.numbers("petal_width", in: decoder.space) == [1.4, 1.6])
        #expect(request.categories("species", in: decoder.space) == [nil, nil])

        var response = InferencePayload(space: decoder.space)
        try InferenceMessage(fixture: "kserve-binary-v1-response.json").decode(.kserve, with: &decoder, into: &response)
        #expect(response.role == .response)
        #expect(response.categories("species", in: decoder.space) == ["1", "1"])

        var join = InferenceJoin()
        var released: [InferenceJoin.Release] = []
        join.offer(response, origin: .init(partition: 1, offset: 7), eventTime: 0, wallTime: 0) { released.append($0) }
        #expect(released.isEmpty && join.count == 1)
        #expect(join.lowestWaitingOffset(partition: 1) == 7)
        join.offer(request, origin: .init(partition: 0, offset: 3), eventTime: 0, wallTime: 0) { released.append($0) }
        let joined = try #require(released.first)
        #expect(released.count == 1 && join.count == 0 && joined.outcome == .joined)
        #expect(Set(joined.origins) == [.init(partition: 1, offset: 7), .init(partition: 0, offset: 3)])
        #expect(joined.payload.numbers("sepal_width", in: decoder.space) == [2.8, 3.4])
        #expect(joined.payload.categories("species", in: decoder.space) == ["1", "1"])
        #expect(joined.payload.timestampMilliseconds == request.timestampMilliseconds)
    }

    @Test("KServe structured mode, OIP v2: tensors by name and shape, JSON data, requested outputs add no rows")
    func kserveStructuredV2() throws {
        let features = ["a", "b", "input1", "o1", "o2"].map { Feature(name: $0, kind: .numeric) }
        var decoder = try decoder(features, tensors: ["input0": ["a", "b"], "output0": ["o1", "o2"]])
        var request = InferencePayload(space: decoder.space)
        try InferenceMessage(fixture: "kserve-structured-v2-request.json").decode(.kserve, with: &decoder, into: &request)
        #expect(request.role == .request && request.idString == "42" && request.modelString == "mymodel")
        #expect(request.timestampMilliseconds == foundationMilliseconds("2024-05-06T14:33:35Z"))
        #expect(request.rowCount == 2)
        #expect(request.numbers("a", in: decoder.space) == [1, 3])
        #expect(request.numbers("b", in: decoder.space) == [2, 4])
        // input1 is a one-column BOOL tensor named like a feature: true = 1.
        #expect(request.numbers("input1", in: decoder.space)[0] == 1)

        var response = InferencePayload(space: decoder.space)
        try InferenceMessage(fixture: "kserve-structured-v2-response.json").decode(.kserve, with: &decoder, into: &response)
        #expect(response.role == .response && response.idString == "42" && response.rowCount == 3)
        #expect(response.numbers("o1", in: decoder.space) == [1.0, 2.0, 3.0])
        #expect(response.numbers("o2", in: decoder.space) == [1.1, 2.1, 3.1])

        var merged = request
        merged.merge(response)
        #expect(merged.rowCount == 3)
        #expect(merged.numbers("a", in: decoder.space).map { $0.isNaN ? -1 : $0 } == [1, 3, -1])
        #expect(merged.numbers("o2", in: decoder.space) == [1.1, 2.1, 3.1])
    }

    @Test("Seldon JSON by the seldon-infer-type header: model and role from the topic, nested data one row per element")
    func seldonJSONFixture() throws {
        let names = Self.iris.map(\.name)
        var decoder = try decoder(Self.iris, tensors: ["predict": Array(names[0..<4])])
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(fixture: "seldon-v2-json-request.json").decode(.seldon, with: &decoder, into: &payload)
        #expect(payload.role == .request)
        #expect(payload.modelString == "iris")
        #expect(payload.idString == "iris.cg1ih6d1fcs73c9u6v5g")
        #expect(payload.numbers("sepal_length", in: decoder.space) == [1, 5.5])
        #expect(payload.numbers("petal_width", in: decoder.space) == [4, 8.5])

        // Without the header the protobuf attempt fails and the JSON fallback reads the same rows.
        var unmarked = try InferenceMessage(fixture: "seldon-v2-json-request.json")
        unmarked.headers = [:]
        var fallback = InferencePayload(space: decoder.space)
        try unmarked.decode(.seldon, with: &decoder, into: &fallback)
        #expect(fallback.numbers("sepal_width", in: decoder.space) == [2, 6.5])
    }

    @Test("Seldon protobuf from libprotobuf-c: every datatype, typed contents and raw contents", arguments: [false, true])
    func seldonProtobuf(raw: Bool) throws {
        var generator = SeededGenerator(seed: raw ? 11 : 12)
        let batch = 37
        let features =
            ["f64_a", "f64_b", "f64_c", "f32", "i64", "i32", "flag"].map { Feature(name: $0, kind: .numeric) }
            + [Feature(name: "city", kind: .categorical), Feature(name: "class_id", kind: .categorical)]
        var decoder = try decoder(features, tensors: ["dense": ["f64_a", "f64_b", "f64_c"], "label": ["class_id"]])
        let dense = (0..<batch * 3).map { _ in generator.normal(mean: 0, standardDeviation: 1e3) }
        let f32 = (0..<batch).map { _ in Float(generator.normal(mean: 5, standardDeviation: 2)) }
        let i64 = (0..<batch).map { _ in Int64.random(in: -1 << 40...1 << 40, using: &generator) }
        let i32 = (0..<batch).map { _ in Int32.random(in: .min ... .max, using: &generator) }
        let flags = (0..<batch).map { _ in Bool.random(using: &generator) }
        let cities = (0..<batch).map { _ in ["Zürich", "Lyon", "Kraków", ""][Int.random(in: 0..<4, using: &generator)] }
        let labels = (0..<batch).map { _ in Int64.random(in: -2...9, using: &generator) }
        let inputs: [ModelInferEncoder.Tensor] = [
            .init(name: "dense", shape: [Int64(batch), 3], values: .fp64(dense)),
            .init(name: "f32", shape: [Int64(batch)], values: .fp32(f32)),
            .init(name: "i64", shape: [Int64(batch), 1], values: .int64(i64)),
            .init(name: "i32", shape: [Int64(batch)], values: .int32(i32)),
            .init(name: "flag", shape: [Int64(batch)], values: .bool(flags)),
            .init(name: "city", shape: [Int64(batch)], values: .bytes(cities)),
            .init(name: "not_monitored", shape: [Int64(batch), 2], values: .fp64(Array(repeating: 1, count: batch * 2))),
        ]
        let request = InferenceMessage(
            topic: "team.seldon.prod.model.churn-v2.inputs", key: "0.churn-v2.r1",
            value: ModelInferEncoder.request(model: "churn-internal", id: "r1", inputs: inputs, raw: raw))
        var payload = InferencePayload(space: decoder.space)
        try request.decode(.seldon, with: &decoder, into: &payload)
        let space = decoder.space
        #expect(payload.role == .request && payload.modelString == "churn-v2" && payload.idString == "0.churn-v2.r1")
        #expect(String(decoding: payload.id[payload.requestIDStart...], as: UTF8.self) == "r1", "labels name the request id alone")
        #expect(payload.rowCount == batch)
        #expect(payload.numbers("f64_a", in: space) == stride(from: 0, to: batch * 3, by: 3).map { dense[$0] })
        #expect(payload.numbers("f64_c", in: space) == stride(from: 2, to: batch * 3, by: 3).map { dense[$0] })
        #expect(payload.numbers("f32", in: space) == f32.map(Double.init))
        #expect(payload.numbers("i64", in: space) == i64.map(Double.init))
        #expect(payload.numbers("i32", in: space) == i32.map(Double.init))
        #expect(payload.numbers("flag", in: space) == flags.map { $0 ? 1 : 0 })
        #expect(payload.categories("city", in: space) == cities)

        // The response on .outputs: raw contents are field 6 there; integer classes become categories.
        let response = InferenceMessage(
            topic: "team.seldon.prod.model.churn-v2.outputs", key: "0.churn-v2.r1",
            // The model gateway copies the request's headers onto the response.
            headers: ["seldon-infer-type": "proto/InferModelRequest"],
            value: ModelInferEncoder.response(
                model: "churn-internal", id: "r1", outputs: [.init(name: "label", shape: [Int64(batch)], values: .int64(labels))], raw: raw))
        var outputs = InferencePayload(space: space)
        try response.decode(.seldon, with: &decoder, into: &outputs)
        #expect(outputs.role == .response && outputs.rowCount == batch)
        #expect(outputs.categories("class_id", in: decoder.space) == labels.map { String($0) })
    }

    @Test("The join: either order, timeouts by event or wall time, capacity, a repeated request")
    func joinSemantics() throws {
        let features = [Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .numeric)]
        var decoder = try decoder(features, tensors: [:])
        let space = decoder.space
        /// A KServe v1 event with one instance object.
        func half(_ id: String, _ role: InferencePayload.Role, x: Double?, y: Double?) -> InferencePayload {
            var values: [String] = []
            if let x { values.append("\"x\":\(x)") }
            if let y { values.append("\"y\":\(y)") }
            let key = role == .request ? "instances" : "predictions"
            let message = InferenceMessage(
                headers: ["ce_id": id, "ce_type": "org.kubeflow.serving.inference.\(role == .request ? "request" : "response")"],
                text: "{\"\(key)\":[{\(values.joined(separator: ","))}]}")
            var payload = InferencePayload(space: space)
            try! message.decode(.kserve, with: &decoder, into: &payload)  // well-formed by construction
            return payload
        }
        var join = InferenceJoin(timeoutMilliseconds: 1_000, capacity: 3)
        var released: [InferenceJoin.Release] = []
        let collect: (InferenceJoin.Release) -> Void = { released.append($0) }

        join.offer(half("a", .request, x: 1, y: nil), origin: .init(partition: 0, offset: 10), eventTime: 1_000, wallTime: 0, release: collect)
        join.offer(half("b", .request, x: 2, y: nil), origin: .init(partition: 0, offset: 11), eventTime: 1_500, wallTime: 0, release: collect)
        join.offer(half("a", .response, x: nil, y: 10), origin: .init(partition: 1, offset: 4), eventTime: 1_600, wallTime: 0, release: collect)
        #expect(released.map(\.outcome) == [.joined])
        #expect(released[0].payload.rows[0].numeric == [1, 10])
        #expect(join.lowestWaitingOffset(partition: 0) == 11)
        #expect(join.lowestWaitingOffset(partition: 1) == nil)

        // "b" waited 1,001 ms of event time once "c" arrives: released alone at the next expiry.
        join.offer(half("c", .response, x: nil, y: 30), origin: .init(partition: 1, offset: 5), eventTime: 2_501, wallTime: 0, release: collect)
        join.expire(wallTime: 0, release: collect)
        #expect(released.map(\.outcome) == [.joined, .requestOnly])
        #expect(released[1].payload.rows[0].numeric[0] == 2 && released[1].origins == [.init(partition: 0, offset: 11)])

        // A repeated request id releases the first copy alone.
        join.offer(half("d", .request, x: 4, y: nil), origin: .init(partition: 0, offset: 12), eventTime: 2_600, wallTime: 0, release: collect)
        join.offer(half("d", .request, x: 5, y: nil), origin: .init(partition: 0, offset: 13), eventTime: 2_600, wallTime: 0, release: collect)
        #expect(released.map(\.outcome).suffix(1) == [.requestOnly])
        #expect(released.last?.origins == [.init(partition: 0, offset: 12)])

        // Capacity 3: a fourth waiting half pushes out the oldest ("c").
        join.offer(half("e", .request, x: 6, y: nil), origin: .init(partition: 0, offset: 14), eventTime: 2_700, wallTime: 0, release: collect)
        join.offer(half("f", .request, x: 7, y: nil), origin: .init(partition: 0, offset: 15), eventTime: 2_700, wallTime: 0, release: collect)
        #expect(released.last?.outcome == .responseOnly && released.last?.payload.rows[0].numeric[1] == 30)
        #expect(join.count == 3)

        // A quiet stream: wall time alone releases what waited past the timeout.
        join.expire(wallTime: 1_001, release: collect)
        #expect(join.count == 0)
        #expect(released.count == 7)
        #expect(join.lowestWaitingOffset(partition: 0) == nil)
    }

    @Test("RFC 3339 times match Foundation's parse, to the millisecond")
    func rfc3339() throws {
        var generator = SeededGenerator(seed: 3)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<2_000 {
            let milliseconds = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)
            let text = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            var payload = InferencePayload(space: FeatureSpace())
            var decoder = RecordDecoder(space: FeatureSpace())
            let message = InferenceMessage(
                headers: ["ce_type": "t", "ce_id": "1", "ce_time": text], text: "{}")
            try message.decode(.kserve, with: &decoder, into: &payload)
            let parsed = formatter.date(from: text)!.timeIntervalSince1970
            #expect(payload.timestampMilliseconds == Int64((parsed * 1000).rounded()), "\(text)")
        }
    }

    @Test("Half-precision raw values match Swift's Float16 for every bit pattern")
    func halfPrecision() throws {
        var decoder = try decoder([Feature(name: "h", kind: .numeric)], tensors: [:])
        var raw: [UInt8] = []
        for bits in 0...UInt16.max { withUnsafeBytes(of: bits.littleEndian) { raw.append(contentsOf: $0) } }
        // A raw FP16 tensor of 65,536 rows, framed by hand: tensor {name, datatype, shape} + raw contents.
        var tensor: [UInt8] = [0x0A, 1, UInt8(ascii: "h"), 0x12, 4] + Array("FP16".utf8) + [0x18] + varint(65_536)
        tensor = [0x2A] + varint(tensor.count) + tensor
        let message = tensor + [0x3A] + varint(raw.count) + raw
        decoder.maximumBatchRows = 1 << 17
        var payload = InferencePayload(space: decoder.space)
        try InferenceMessage(topic: "seldon.ns.model.m.inputs", value: message).decode(.seldon, with: &decoder, into: &payload)
        let values = payload.numbers("h", in: decoder.space)
        #expect(values.count == 65_536)
        var mismatches = 0
        var nonFinite = 0
        for bits in 0...UInt16.max {
            let expected = Double(Float16(bitPattern: bits))
            let actual = values[Int(bits)]
            // NaN and infinities are left missing and counted as non-finite, for data quality.
            if expected.isFinite ? expected != actual : !(actual.isNaN && payload.rows[Int(bits)].nonFinite == [0]) { mismatches += 1 }
            if !expected.isFinite { nonFinite += 1 }
        }
        #expect(mismatches == 0)
        #expect(nonFinite == 2 * 1_024)  // exponent all ones: two infinities and 2,046 NaNs
    }

    func varint(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = UInt64(value)
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return bytes + [UInt8(rest)]
    }
}

extension InferenceDecodingTests {
    @Test("Seldon protobuf from libprotobuf-c: the tensor named prediction_field (or its mapped column) is each row's prediction, typed or raw", arguments: [false, true])
    func seldonPredictions(raw: Bool) throws {
        var generator = SeededGenerator(seed: raw ? 21 : 22)
        let batch = 9
        var space = FeatureSpace()
        try space.declare([Feature(name: "p_class", kind: .numeric)])
        var fields = JSONFields()
        fields.prediction = "score"
        let scores = (0..<batch).map { _ in Double.random(in: 0..<1, using: &generator) }
        let classes = (0..<batch).map { _ in Int64.random(in: 0...4, using: &generator) }
        let flags = (0..<batch).map { _ in Bool.random(using: &generator) }
        let cases: [(ModelInferEncoder.Tensor, [String: [String]], [Double])] = [
            (.init(name: "score", shape: [Int64(batch)], values: .fp64(scores)), [:], scores),
            (.init(name: "score", shape: [Int64(batch), 1], values: .fp32(scores.map(Float.init))), [:], scores.map { Double(Float($0)) }),
            // Mapped: the second column is the score, the first a monitored feature as well.
            (.init(name: "probabilities", shape: [Int64(batch), 2], values: .fp64(zip(scores, scores).flatMap { [1 - $0, $1] })),
             ["probabilities": ["p_class", "score"]], scores),
            (.init(name: "score", shape: [Int64(batch)], values: .int64(classes)), [:], classes.map(Double.init)),
            (.init(name: "score", shape: [Int64(batch)], values: .bool(flags)), [:], flags.map { $0 ? 1 : 0 }),
        ]
        for (tensor, tensors, expected) in cases {
            var decoder = RecordDecoder(space: space, tensors: tensors, fields: fields)
            let response = InferenceMessage(
                topic: "seldon.default.model.m.outputs", key: "r1",
                value: ModelInferEncoder.response(model: "m", id: "r1", outputs: [tensor], raw: raw))
            var payload = InferencePayload(space: space)
            try response.decode(.seldon, with: &decoder, into: &payload)
            #expect(payload.rowCount == batch)
            #expect((0..<payload.rowCount).map { payload.rows[$0].predictionNumber } == expected.map { $0 }, "\(tensor.name) \(tensor.values)")
            #expect(payload.unknownFields == 0, "the prediction's tensor is not an unknown field")
            if !tensors.isEmpty { #expect(payload.numbers("p_class", in: space) == scores.map { 1 - $0 }) }
        }
    }
}
