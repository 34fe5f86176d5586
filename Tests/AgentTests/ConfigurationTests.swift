import Agent
import DriftMonitor
import Foundation
import HTTP
import Ingest
import Logging
import Telemetry
import Testing

/// The configuration's schema declarations, JSON fields and quality limits, read from YAML.
@Suite("Configuration: schema and quality")
struct ConfigurationTests {
    func load(_ yaml: String) throws -> AgentConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID()).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try AgentConfiguration.load(path: url.path)
    }

    @Test("Schema kinds, json_fields and quality limits are read; true means a limit of 0")
    func reads() throws {
        let configuration = try load(
            """
            json_fields: {features: inputs, request_id: trace, metadata: [meta]}
            models:
              - name: m
                reference: r.json
                schema: {zip: categorical, user_id: ignored, churned: boolean}
                policy:
                  quality: {missing_ratio: 0.2, constant: true, absent_features: false, event_age_seconds: 600}
            """)
        let model = configuration.models[0]
        #expect(model.schema == ["zip": .categorical, "user_id": .ignored, "churned": .boolean])
        #expect(configuration.jsonFields.features == "inputs" && configuration.jsonFields.requestID == "trace")
        #expect(configuration.jsonFields.model == "model" && configuration.jsonFields.metadata == ["meta"])
        let quality = try #require(model.policy?.quality)
        #expect(quality.limits == [.missingRatio: 0.2, .constant: 0, .eventAgeSeconds: 600])
        try configuration.validate()
    }

    @Test(
        "Bad declarations are errors naming the key",
        arguments: [
            ("schema: {zip: text}", "text"),
            ("policy: {quality: {missing_rate: 0.2}}", "unknown key 'models[0].policy.quality.missing_rate' (did you mean 'missing_ratio'?)"),
        ])
    func badDeclarations(model: String, message: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try load("models:\n  - name: m\n    reference: r.json\n    \(model)\n")
        }
        #expect(error.map { "\($0)".contains(message) } == true, "\(error.map { "\($0)" } ?? "")")
    }

    @Test("Validation: a ratio limit of 1 or more, and a schema field that json_fields reserves")
    func validation() throws {
        var configuration = AgentConfiguration()
        var policy = DriftPolicy()
        policy.quality[.duplicateRatio] = 1.5
        configuration.models = [
            .init(name: "m", reference: "r.json", policy: policy, schema: ["request_id": .numeric, "prediction": .numeric])
        ]
        let error = #expect(throws: ConfigurationError.self) { try configuration.validate() }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("quality.duplicate_ratio is a share"))
        #expect(text.contains("schema declares 'request_id', which json_fields reads as the record's features, model, timestamp or request id"))
        // A metadata key may be declared a feature (prediction drift).
        #expect(!text.contains("'prediction'"))
    }

    @Test(
        "scale_out: roles, and the event-time windows members and the aggregator need",
        arguments: [
            ("role: member", "model m: scale_out.role member needs event-time windows (window.duration)"),
            ("role: aggregator", "model m: scale_out.role aggregator needs event-time windows (window.duration)"),
            ("role: member\n  summaries_topic: \"\"", "scale_out.summaries_topic is empty"),
        ])
    func scaleOut(section: String, problem: String) throws {
        let yaml = "scale_out:\n  \(section)\nmodels:\n  - name: m\n    reference: r.json\n"
        let error = #expect(throws: ConfigurationError.self) { try load(yaml).validate() }
        #expect(error.map { "\($0)" }?.contains(problem) == true, "\(error.map { "\($0)" } ?? "no error")")
        let timed = try load(yaml + "    window: {duration: 1m}\n")
        if section.contains("summaries_topic") {
            #expect(throws: ConfigurationError.self) { try timed.validate() }
        } else {
            try timed.validate()
            #expect(timed.scaleOut.role.rawValue == section.dropFirst("role: ".count))
        }
    }

    @Test(
        "segment_by: key, a header or a JSON field, one source for every model, standalone agents only",
        arguments: [
            ("", "    segment_by: field:model\n", "segment_by 'field:model' must name a field other than"),
            ("", "    segment_by: key\n  - name: n\n    reference: r.json\n    segment_by: header:tenant\n", "one segment_by serves every model"),
            ("scale_out: {role: member}\n", "    segment_by: key\n    window: {duration: 1m}\n", "segment_by and scale_out.role member do not go together"),
            ("", "    segment_by: key\n    max_segments: 0\n", "model m: max_segments must be at least 1"),
        ])
    func segments(top: String, model: String, problem: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try load(top + "models:\n  - name: m\n    reference: r.json\n" + model).validate()
        }
        #expect(error.map { "\($0)" }?.contains(problem) == true, "\(error.map { "\($0)" } ?? "no error")")
        let valid = try load("models:\n  - name: m\n    reference: r.json\n    segment_by: header:model-version\n    max_segments: 5\n")
        try valid.validate()
        #expect(try valid.segmentSource() == .header("model-version"))
        #expect(valid.models[0].maxSegments == 5)
        let metadata = try load("models:\n  - name: m\n    reference: r.json\n    segment_by: metadata:X-Tenant\n")
        try metadata.validate()
        #expect(try metadata.segmentSource() == .field && metadata.decodedJSONFields.segmentMetadata == "X-Tenant")
    }

    @Test(
        "What run would have librdkafka refuse, or trap on, check-config refuses: topics, group, the reload interval",
        arguments: [
            ("kafka: {topics: [\"\"]}\n", "kafka.topics: a topic name is empty"),
            ("kafka: {topics: [\"^[invalid\"]}\n", "kafka.topics: '^[invalid' is not a valid regular expression"),
            ("kafka: {topics: [\"logs!\"]}\n", "kafka.topics: 'logs!' has a character outside [a-zA-Z0-9._-]"),
            ("kafka: {group: \"\"}\n", "kafka.group is empty"),
            ("reference_reload_seconds: .inf\n", "reference_reload_seconds must be within 0...31536000 (a year), got inf"),
            ("reference_reload_seconds: 1e308\n", "reference_reload_seconds must be within 0...31536000 (a year), got 1e+308"),
        ])
    func refusedBeforeRun(top: String, problem: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try load(top + "models:\n  - name: m\n    reference: r.json\n").validate()
        }
        #expect(error.map { "\($0)" }?.contains(problem) == true, "\(error.map { "\($0)" } ?? "no error")")
    }

    @Test("The agent refuses a schema that conflicts with the reference, naming model and reference")
    func conflictAtStart() throws {
        var configuration = AgentConfiguration()
        configuration.models = [.init(name: DemoTraffic.model, reference: "ref.json", schema: ["transaction_amount": .categorical])]
        let error = #expect(throws: ConfigurationError.self) {
            _ = try AgentRuntime.makeServices(
                configuration: configuration, references: [DemoTraffic.model: DemoTraffic.reference(records: 500)],
                catalogue: MetricCatalogue(version: "test"), readiness: Readiness(), logger: Logger(label: "test"))
        }
        #expect(
            error.map { "\($0)" }
                == "model fraud-detector (reference ref.json): feature 'transaction_amount' is declared categorical but the reference "
                + "profiles it numeric: profile the reference records again with the declared schema")
    }

    @Test("Profiling reference records with declarations: 0/1 read as a boolean, a numeric code as categories, ids ignored")
    func profileWithDeclarations() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID()).jsonl")
        let lines = (0..<300).map { i in
            #"{"user_id":\#(i),"zip":\#(10_000 + i % 7),"churned":\#(i % 4 == 0 ? 1 : 0),"x":\#(Double(i) / 10),"prediction":\#(i % 10)}"#
        }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        // `prediction` is record metadata unless declared: then it is monitored (prediction drift).
        let schema = DeclaredSchema(["user_id": .ignored, "zip": .categorical, "churned": .boolean, "prediction": .numeric])
        let profile = try AgentRuntime.loadReference(path: url.path, model: "m", schema: schema)
        #expect(profile.features.map(\.name) == ["zip", "churned", "x", "prediction"])
        #expect(profile.features.map(\.kind) == [.categorical, .categorical, .numeric, .numeric])
        #expect(profile.feature(named: "prediction")?.missing == 0)  // read in every record
        let churned = try #require(profile.feature(named: "churned"))
        #expect(Dictionary(uniqueKeysWithValues: zip(churned.categories ?? [], churned.categoryCounts ?? [])) == ["true": 75, "false": 225])
        #expect(profile.feature(named: "zip")?.categories?.sorted() == (0..<7).map { "\(10_000 + $0)" })
        // The declarations agree with the profile they produced.
        #expect(try schema.conform(profile).booleans == ["churned"])
    }

    @Test("Reference records are read with the configured json_fields, as the topics are")
    func referenceWithJSONFields() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ref-\(UUID()).jsonl")
        let lines = (0..<50).map { i in #"{"trace":"t\#(i)","meta":{"v":1},"inputs":{"x":\#(i),"city":"c\#(i % 3)"}}"# }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        var fields = JSONFields()
        fields.features = "inputs"
        fields.requestID = "trace"
        fields.metadata = ["meta"]
        let profile = try AgentRuntime.loadReference(path: url.path, model: "m", fields: fields)
        #expect(profile.features.map(\.name) == ["x", "city"])
        #expect(profile.features.allSatisfy { $0.missing == 0 })
        // With the default fields, the same lines have no features object: their top-level keys are taken.
        let defaults = try AgentRuntime.loadReference(path: url.path, model: "m")
        #expect(defaults.features.map(\.name) == ["trace"])
    }
}
