import DriftMonitor
import Foundation
import Ingest
import Testing
import TestSupport

/// Vector features (embeddings) read from every format, and `compare` on them against numpy.
@Suite("Vector features: decoding and compare")
struct VectorFeatureTests {
    static let schema = [Feature(name: "embedding", kind: .vector, dimension: 3), Feature(name: "tokens", kind: .numeric)]

    func decoder(tensors: [String: [String]] = [:]) throws -> RecordDecoder {
        var space = FeatureSpace()
        try space.declare(Self.schema)
        return RecordDecoder(space: space, tensors: tensors)
    }

    /// The row's vector, or nil when it is missing.
    func vector(_ row: DecodedRow) -> [Double]? {
        row.hasVector(0) ? Array(row.vectors[0..<3]) : nil
    }

    @Test(
        "JSON records: an array of the dimension's numbers is the vector; any other value is a type mismatch, NaN non-finite, null missing",
        arguments: [
            (#"{"embedding": [0.5, -1, 2e-3], "tokens": 4}"#, [0.5, -1, 0.002], false, false),
            (#"{"features": {"embedding": [1, 2, 3]}}"#, [1, 2, 3], false, false),
            (#"{"embedding": [1, 2]}"#, nil, true, false),
            (#"{"embedding": [1, 2, 3, 4]}"#, nil, true, false),
            (#"{"embedding": []}"#, nil, true, false),
            (#"{"embedding": [1, "2", 3]}"#, nil, true, false),
            (#"{"embedding": [1, [2], 3]}"#, nil, true, false),
            (#"{"embedding": 7}"#, nil, true, false),
            (#"{"embedding": "1,2,3"}"#, nil, true, false),
            (#"{"embedding": true}"#, nil, true, false),
            (#"{"embedding": [1, NaN, 3]}"#, nil, false, true),
            (#"{"embedding": null}"#, nil, false, false),
            (#"{"tokens": 3}"#, nil, false, false),
        ] as [(String, [Double]?, Bool, Bool)])
    func json(text: String, expected: [Double]?, mismatch: Bool, nonFinite: Bool) throws {
        var decoder = try decoder()
        var row = DecodedRow(space: decoder.space)
        try text.utf8CString.withUnsafeBytes { try decoder.decode(UnsafeRawBufferPointer(rebasing: $0.dropLast()), into: &row) }
        #expect(vector(row) == expected)
        #expect(row.typeMismatches == (mismatch ? [0] : []))
        #expect(row.nonFinite == (nonFinite ? [0] : []))
    }

    @Test("A row decoded after a bad one starts afresh")
    func reset() throws {
        var decoder = try decoder()
        var row = DecodedRow(space: decoder.space)
        for (text, expected) in [(#"{"embedding": [1, 2, 3, 4]}"#, nil), (#"{"embedding": [4, 5, 6]}"#, [4.0, 5, 6])] as [(String, [Double]?)] {
            try Array(text.utf8).withUnsafeBytes { try decoder.decode($0, into: &row) }
            #expect(vector(row) == expected)
        }
    }

    @Test("InferenceLog: a Value's vector (packed by the committed protoc-c code) is the vector; a number for it is a type mismatch")
    func inferenceLog() throws {
        var decoder = try decoder()
        var row = DecodedRow(space: decoder.space)
        let cases: [(InferenceLogEncoder.Value, [Double]?, Bool)] = [
            (.vector([0.25, -2, 1e300]), [0.25, -2, 1e300], false),
            (.vector([1, 2]), nil, true),
            (.vector([]), nil, true),
            (.number(1), nil, true),
            (.category("x"), nil, true),
        ]
        for (value, expected, mismatch) in cases {
            let bytes = InferenceLogEncoder.encode(model: "m", features: [("embedding", value), ("tokens", .number(3))])
            try bytes.withUnsafeBytes { try decoder.decode($0, format: .protobuf, into: &row) }
            #expect(vector(row) == expected, "\(value)")
            #expect(row.typeMismatches == (mismatch ? [0] : []), "\(value)")
            #expect(row.numeric == [3])
        }
        // A scalar feature given a vector is a type mismatch too.
        let bytes = InferenceLogEncoder.encode(model: "m", features: [("tokens", .vector([1, 2, 3]))])
        try bytes.withUnsafeBytes { try decoder.decode($0, format: .protobuf, into: &row) }
        #expect(row.typeMismatches == [1] && row.numeric[0].isNaN)
    }

    @Test("InferenceLog made by Python's protobuf from proto/driftwatch/v1/inference_log.proto: the vector reads as written; one of another length is a type mismatch")
    func inferenceLogFromPython() throws {
        let made = try ChildProcess.script("inference_log.py", [])
        let messages = try #require(made["messages"] as? [[String: Any]])
        #expect(messages.count == 2)
        var decoder = try decoder()
        var row = DecodedRow(space: decoder.space)
        for message in messages {
            let hex = try #require(message["hex"] as? String)
            let written = try #require(message["embedding"] as? [Double])
            let bytes = try stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return try #require(UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16))
            }
            try bytes.withUnsafeBytes { try decoder.decode($0, format: .protobuf, into: &row) }
            #expect(row.numeric == [3])
            if written.count == 3 {
                #expect(vector(row) == written && row.typeMismatches.isEmpty)
            } else {
                #expect(vector(row) == nil && row.typeMismatches == [0])
            }
        }
    }

    /// An Open Inference Protocol v2 request as kserve's `InferRequest.to_rest()` writes it
    /// (kserve/protocol/infer_type.py): a [2, width] FP32 tensor and a [2] INT64 one.
    static func body(tensor: String, width: Int, data: String) -> String {
        """
        {"id": "r1", "inputs": [
          {"name": "\(tensor)", "shape": [2, \(width)], "datatype": "FP32", "data": \(data)},
          {"name": "tokens", "shape": [2], "datatype": "INT64", "data": [7, 9]}]}
        """
    }

    @Test(
        "KServe v2 tensors: a [batch, d] tensor named like the vector, or mapped to it alone, gives each row its vector; a row of another width is a type mismatch",
        arguments: [
            ("embedding", [:], 3, "[[1, 2, 3], [4, 5, 6]]", [[1.0, 2, 3], [4, 5, 6]] as [[Double]?]),
            ("embedding", [:], 3, "[1, 2, 3, 4, 5, 6]", [[1.0, 2, 3], [4, 5, 6]]),
            ("input-0", ["input-0": ["embedding"]], 3, "[[1, 2, 3], [4, 5, 6]]", [[1.0, 2, 3], [4, 5, 6]]),
            ("embedding", [:], 4, "[[1, 2, 3, 4], [5, 6, 7, 8]]", [nil, nil]),
            ("embedding", [:], 2, "[[1, 2], [3, 4]]", [nil, nil]),
        ] as [(String, [String: [String]], Int, String, [[Double]?])])
    func tensors(name: String, tensors: [String: [String]], width: Int, data: String, expected: [[Double]?]) throws {
        var decoder = try decoder(tensors: tensors)
        var payload = InferencePayload(space: decoder.space)
        let headers = ["ce_type": "org.kubeflow.serving.inference.request", "ce_id": "r1", "ce_inferenceservicename": "m"]
        try InferenceMessage(headers: headers, text: Self.body(tensor: name, width: width, data: data))
            .decode(.kserve, with: &decoder, into: &payload)
        #expect(payload.rowCount == 2)
        #expect((0..<payload.rowCount).map { vector(payload.rows[$0]) } == expected)
        #expect(payload.numbers("tokens", in: decoder.space) == [7, 9])
        let mismatched = expected.contains { $0 == nil }
        #expect(payload.rows[0].typeMismatches == (mismatched ? [0] : []))
    }
}

extension VectorFeatureTests {
    @Test("compare on embeddings: the distances between means are numpy's, MMD² numpy's exact one within the random features' error; a topic-mix shift drifts, a clean sample does not")
    func compareAgainstNumpy() async throws {
        // Debug-built profiles of 384-dimensional vectors and a numpy oracle: off the cooperative pool.
        try await withTaskExecutorPreference(ThreadExecutor.blocking) { try Self.compareBoth() }
    }

    static func compareBoth() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-vectors-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func run(_ arguments: [String]) throws -> [String: Any] { try ChildProcess.script("embedding_traffic.py", arguments) }
        let reference = directory.appendingPathComponent("reference.jsonl").path
        _ = try run(["reference", reference, "800"])
        for (mix, seed, drifts) in [("clean", "21", false), ("shifted", "22", true)] {
            let current = directory.appendingPathComponent("\(mix).jsonl").path
            _ = try run(["sample", current, "400", seed, mix])
            let comparison = try CompareFilesTests.compare(reference, current)
            guard let feature = comparison.report.features.first(where: { $0.name == "embedding" }) else {
                Issue.record("\(mix): no feature 'embedding' in the report")
                continue
            }
            #expect(feature.kind == .vector && feature.vector?.dimension == 384 && feature.count == 400)
            let evidence = try #require(feature.vector)
            let numpy = try run(["oracle", reference, current, "\(evidence.bandwidth)"])
            let euclidean = try NumpyOracle.double(numpy, "euclidean")
            let cosine = try NumpyOracle.double(numpy, "cosine")
            let exact = try NumpyOracle.double(numpy, "exact_mmd2")
            let distance = try #require(feature.score(.meanDistance)?.value)
            let cosineDistance = try #require(feature.score(.meanCosineDistance)?.value)
            let mmd = try #require(feature.score(.mmd)?.value)
            #expect(abs(distance - euclidean) <= 1e-12 * euclidean, "\(mix): \(distance) against numpy's \(euclidean)")
            #expect(abs(cosineDistance - cosine) <= 1e-9 * cosine, "\(mix): \(cosineDistance) against numpy's \(cosine)")
            // D = 1,024 features: VectorDriftTests bounds the approximation by 4 standard errors; here a looser 25% or 2e-4.
            #expect(abs(mmd - exact) <= max(0.25 * abs(exact), 2e-4), "\(mix): MMD² \(mmd) against numpy's exact \(exact)")
            #expect(feature.drifted == drifts, "\(mix): MMD² \(mmd), threshold \(feature.driftThreshold)")
            #expect(feature.decidingMethod == .mmd && feature.driftThreshold > 0 && feature.driftThreshold.isFinite)
        }
    }
}

extension VectorFeatureTests {
    @Test(
        "A reference profile whose vector does not hold together is refused by the monitor with the feature's name, not trapped on",
        arguments: ["randomFeatures", "bandwidth", "components", "dimension", "sums"])
    func corruptProfile(field: String) throws {
        var space = FeatureSpace()
        let features = [Feature(name: "embedding", kind: .vector, dimension: 3)]
        try space.declare(features)
        let batch = try RecordBatch(vectorRows: (0..<300).map { i in (0..<3).map { k in sin(Double(i * 3 + k)) } }, dimension: 3)
        let good = ReferenceProfile(model: "m", features: features, batch: batch, dictionaries: [])
        #expect(throws: Never.self) { try Monitor(model: "m", reference: good, policy: DriftPolicy(), windowRecords: 100, space: space) }
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(good)) as? [String: Any])
        var feature = try #require((object["features"] as? [[String: Any]])?.first)
        var vector = try #require(feature["vector"] as? [String: Any])
        switch field {
        case "randomFeatures": vector["randomFeatures"] = 12
        case "bandwidth": vector["bandwidth"] = -1.0
        case "dimension": vector["dimension"] = 4
        case "sums":
            var embedding = try #require(vector["embedding"] as? [String: Any])
            embedding["sums"] = [1.0]
            vector["embedding"] = embedding
        default:
            var reconstruction = try #require(vector["reconstruction"] as? [String: Any])
            var basis = try #require(reconstruction["basis"] as? [String: Any])
            basis["components"] = [0.5]
            reconstruction["basis"] = basis
            vector["reconstruction"] = reconstruction
        }
        feature["vector"] = vector
        object["features"] = [feature]
        let corrupt = try JSONDecoder().decode(ReferenceProfile.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(throws: SchemaError.self) { try Monitor(model: "m", reference: corrupt, policy: DriftPolicy(), windowRecords: 100, space: space) }
    }
}

extension VectorFeatureTests {
    /// A `ModelInferRequest` serialized by protobuf's Python classes compiled from Seldon's .proto
    /// (`Tests/Scripts/seldon_message.py`).
    static func seldonRequest(model: String, id: String, raw: Bool, tensors: [[String: Any]]) throws -> [UInt8] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: tensors), as: UTF8.self)
        let printed = try NumpyOracle.run("request", arguments: [model, id, raw ? "1" : "0", json], script: "seldon_message.py")
        return Array(try #require((printed["value"] as? String).flatMap { Data(base64Encoded: $0) }))
    }

    @Test("Seldon ModelInferRequest (serialized by Python protobuf from Seldon's .proto), typed and raw contents: a [batch, d] FP32 or INT64 tensor gives each row its vector; BYTES for it are a type mismatch", arguments: [false, true])
    func seldon(raw: Bool) throws {
        var decoder = try decoder()
        let cases: [(datatype: String, values: [Any], expected: [[Double]?])] = [
            ("FP32", [0.5, -1, 2, 3, 4.25, -6], [[0.5, -1, 2], [3, 4.25, -6]]),
            ("INT64", [1, 2, 3, 4, 5, 6], [[1, 2, 3], [4, 5, 6]]),
            ("BYTES", ["a", "b", "c", "d", "e", "f"], [nil, nil]),
        ]
        for (datatype, values, expected) in cases {
            let tensors: [[String: Any]] = [
                ["name": "embedding", "datatype": datatype, "shape": [2, 3], "values": values],
                ["name": "tokens", "datatype": "INT64", "shape": [2], "values": [7, 9]],
            ]
            let message = InferenceMessage(
                topic: "seldon.prod.model.encoder.inputs", key: "0.encoder.r1",
                value: try Self.seldonRequest(model: "encoder", id: "r1", raw: raw, tensors: tensors))
            var payload = InferencePayload(space: decoder.space)
            try message.decode(.seldon, with: &decoder, into: &payload)
            #expect(payload.rowCount == 2)
            #expect((0..<payload.rowCount).map { vector(payload.rows[$0]) } == expected, "\(datatype)")
            #expect(payload.numbers("tokens", in: decoder.space) == [7, 9])
            #expect(payload.rows[0].typeMismatches == (expected[0] == nil ? [0] : []))
        }
    }
}

extension VectorFeatureTests {
    @Test("A profile whose random-feature map would take more than 128 MiB (2,048 × 16,384 doubles) is refused, shapes agreeing or not")
    func mapTooLarge() throws {
        let (d, features) = (2_048, 16_384)
        var space = FeatureSpace()
        try space.declare([Feature(name: "embedding", kind: .vector, dimension: d)])
        let vector: [String: Any] = [
            "dimension": d, "randomFeatures": features, "seed": 1, "bandwidth": 1.0, "projection": [Double](),
            "embedding": ["sums": [Double](repeating: 0, count: features), "count": 10, "squaredNormSum": 10.0],
            "mean": ["sums": [Double](repeating: 0, count: d), "count": 10],
        ]
        let object: [String: Any] = [
            "format": ReferenceProfile.currentFormat, "version": "v", "rows": 10,
            "features": [["name": "embedding", "kind": "vector", "missing": 0, "vector": vector]],
        ]
        let profile = try JSONDecoder().decode(ReferenceProfile.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(throws: SchemaError.badVectorProfile(feature: "embedding")) {
            try Monitor(model: "m", reference: profile, policy: DriftPolicy(), windowRecords: 100, space: space)
        }
    }
}
