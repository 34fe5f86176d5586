import Agent
import DriftMonitor
import Foundation
import Telemetry
import TestSupport
import Testing

/// Strict YAML: a misspelt key or a wrong type is an error naming its line; `${NAME}` and
/// `DRIFTWATCH_*` take values from the environment.
@Suite("Configuration: strict YAML and the environment")
struct ConfigurationLoadingTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws -> AgentConfiguration {
        try AgentConfiguration.parse(yaml: yaml, name: "agent.yaml", environment: environment)
    }

    func message(_ yaml: String, environment: [String: String] = [:]) -> String {
        do {
            _ = try parse(yaml, environment: environment)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test(
        "An unknown key is an error naming its line, column and path, with the nearest known key",
        arguments: [
            ("window_record: 5\n", "agent.yaml: line 1, column 1: unknown key 'window_record' (did you mean 'window_records'?)"),
            ("kafka:\n  bootstrap: b:9092\n  topic: [logs]\n", "agent.yaml: line 3, column 3: unknown key 'kafka.topic' (did you mean 'topics'?)"),
            (
                "models:\n  - name: m\n    reference: r.json\n    policy:\n      drift_treshold: 0.3\n",
                "agent.yaml: line 5, column 7: unknown key 'models[0].policy.drift_treshold' (did you mean 'drift_threshold'?)"
            ),
            ("json_fields: {feature: inputs}\n", "agent.yaml: line 1, column 15: unknown key 'json_fields.feature' (did you mean 'features'?)"),
            ("colour: blue\n", "agent.yaml: line 1, column 1: unknown key 'colour'; known keys: http_port, idle_partition_ms, join_timeout_ms"),
        ])
    func unknownKey(yaml: String, expected: String) {
        let text = message(yaml)
        #expect(text.hasPrefix(expected), "\(text)")
    }

    @Test(
        "A value of the wrong type is an error naming its line",
        arguments: [
            ("log_level: info\nwindow_records: many\n", "agent.yaml: line 2, column 17: window_records:"),
            ("models:\n  - name: m\n    reference: r.json\n    policy: {consecutive_windows: two}\n", "agent.yaml: line 4, column 35: models.[0].policy.consecutive_windows:"),
            ("kafka: {topics: logs}\n", "agent.yaml: line 1, column 17: kafka.topics:"),
            ("models:\n  - name: m\n", "agent.yaml: line 2, column 5: models.[0]: missing key 'reference'"),
            // Closed sets are read once, where they are written.
            ("http_port: 1\nlog_level: loud\n", "agent.yaml: line 2, column 12: log_level: 'loud' is not one of trace, debug, info, notice, warning, error, critical"),
            ("log_format: xml\n", "agent.yaml: line 1, column 13: log_format: 'xml' is not one of text, json"),
            ("route_by: body\n", "agent.yaml: line 1, column 11: route_by: 'body' is not field, key or header:NAME"),
            ("scale_out:\n  role: leader\n", "agent.yaml: line 2, column 9: scale_out.role: 'leader' is not one of standalone, member, aggregator"),
            ("models:\n  - {name: m, reference: r.json, segment_by: field}\n", "agent.yaml: line 2, column 46: models.[0].segment_by: 'field' is not key, header:NAME, field:NAME or metadata:NAME"),
        ])
    func wrongType(yaml: String, expected: String) {
        let text = message(yaml)
        #expect(text.hasPrefix(expected), "\(text)")
    }

    @Test(
        "A wrong type says what was expected and what is there",
        arguments: [
            ("window_records: 1e18\n", "agent.yaml: line 1, column 17: window_records: expected a whole number (digits, no exponent), found '1e18'"),
            ("http_port: [1]\n", "agent.yaml: line 1, column 12: http_port: expected a single value, found a list"),
            ("models:\n  - {name: m, reference: r.json, policy: {drift_threshold: high}}\n", "drift_threshold: expected a number, found 'high'"),
            ("window_records: \"\(String(repeating: "9", count: 200_000))\"\n", "found '9999999999999999999999999999999999999999…'"),
        ])
    func wrongTypeSaid(yaml: String, expected: String) {
        let text = message(yaml)
        #expect(text.contains(expected), "\(text.prefix(300))")
        #expect(text.utf8.count < 300, "no line repeated whole")
    }

    @Test("A file that cannot be read says why: missing, a directory, not UTF-8 (with the offset), too large")
    func unreadableFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-files-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func message(_ path: String) -> String {
            do {
                _ = try AgentConfiguration.load(path: path, environment: [:])
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let missing = directory.appendingPathComponent("missing.yaml").path
        #expect(message(missing) == "\(missing): cannot open the file: No such file or directory")
        #expect(message(directory.path) == "\(directory.path): is a directory, not a configuration file")
        let latin1 = directory.appendingPathComponent("latin1.yaml")
        try Data("http_port: 1\n# caf".utf8 + [0xE9] + Data("\n".utf8)).write(to: latin1)
        #expect(message(latin1.path) == "\(latin1.path): not UTF-8 text (an invalid byte at offset 18)")
        let large = directory.appendingPathComponent("large.yaml")
        try Data(repeating: 0x23, count: (16 << 20) + 1).write(to: large)
        #expect(message(large.path) == "\(large.path): more than 16777216 bytes, more than a configuration may have")
    }

    @Test("metrics: limits and log_format are read, misspelt keys and bad values refused")
    func metricsAndLogs() throws {
        let base = "models: [{name: m, reference: r.json}]\n"
        let configuration = try parse(base + "log_format: json\nmetrics: {max_models: 3, max_features: 40}\n")
        #expect(configuration.logFormat == .json)
        #expect(configuration.metrics.limits == CardinalityLimits(models: 3, featuresPerModel: 40))
        #expect(message(base + "metrics: {max_feature: 4}\n").contains("unknown key 'metrics.max_feature' (did you mean 'max_features'?)"))
        for (yaml, problem) in [
            ("metrics: {max_models: 0}\n", "metrics.max_models must be at least 1"),
        ] {
            var text = "valid"
            do { try parse(base + yaml).validate() } catch { text = "\(error)" }
            #expect(text.contains(problem), "\(text)")
        }
    }

    @Test("kafka.properties is read in one pass: 20,000 keys, each value as written; a value that is not a scalar names its line")
    func manyProperties() throws {
        let count = 20_000
        let yaml = "kafka:\n  properties:\n" + (0..<count).map { "    key.\($0): \"v\($0)\"\n" }.joined() + "  group: g\nmodels: [{name: m, reference: r.json}]\n"
        let configuration = try parse(yaml)
        #expect(configuration.kafka.properties.count == count)
        #expect(configuration.kafka.properties["key.0"] == "v0" && configuration.kafka.properties["key.19999"] == "v19999")
        #expect(configuration.kafka.group == "g", "the rest of kafka is still decoded")
        #expect(message("kafka:\n  properties:\n    a: [1, 2]\n").hasPrefix("agent.yaml: line 3, column 8: kafka.properties: expected NAME: VALUE"))
        #expect(message("kafka:\n  properties: [a, b]\n").hasPrefix("agent.yaml: line 2, column 15: kafka.properties: expected a mapping"))
    }

    @Test("YAML is bounded before it is composed: an alias bomb and deep nesting are refused naming the line; ordinary anchors work")
    func boundedYAML() throws {
        // Nine levels of ten aliases: 10^9 values once expanded, the last one used as a mapping key.
        var bomb = "x:\n  - &l0 [a, a, a, a, a, a, a, a, a, a]\n"
        for level in 1...9 { bomb += "  - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        bomb += "kafka:\n  properties:\n    ? *l9\n    : 1\n"
        #expect(message(bomb).hasPrefix("agent.yaml: line 7: more than 1000000 values with aliases expanded"), "\(message(bomb))")
        let deep = "tensors: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        #expect(message(deep).hasPrefix("agent.yaml: line 1: nested deeper than 64 levels"), "\(message(deep))")
        let shared = try parse(
            """
            models:
              - {name: a, reference: a.json, policy: &strict {drift_threshold: 0.3, consecutive_windows: 3}}
              - {name: b, reference: b.json, policy: *strict}
            """)
        #expect(shared.models.map { $0.policy?.consecutiveWindows } == [3, 3])
    }

    @Test("Map keys that are data (properties, tensors, schema) are not checked against a key list")
    func dataKeys() throws {
        let configuration = try parse(
            """
            kafka: {properties: {fetch.wait.max.ms: "50"}}
            tensors: {input-0: [a, b]}
            models: [{name: m, reference: r.json, schema: {zip: categorical}}]
            """)
        #expect(configuration.kafka.properties == ["fetch.wait.max.ms": "50"])
        #expect(configuration.tensors == ["input-0": ["a", "b"]])
    }

    @Test("${NAME} takes the environment's value; an unset one is an error naming the line")
    func substitution() throws {
        let yaml = "# ${NOT_SUBSTITUTED} in a comment\nkafka:\n  bootstrap: ${HOST}:9093\n  properties: {sasl.password: \"${SECRET}\"}\n"
        let configuration = try parse(yaml, environment: ["HOST": "kafka-0", "SECRET": "p@ss: word"])
        #expect(configuration.kafka.bootstrap == "kafka-0:9093")
        #expect(configuration.kafka.properties["sasl.password"] == "p@ss: word")
        #expect(message(yaml, environment: ["HOST": "kafka-0"]) == "agent.yaml: line 4: environment variable SECRET is not set")
    }

    @Test("DRIFTWATCH_* variables override the file")
    func environmentOverrides() throws {
        let configuration = try parse(
            "kafka: {bootstrap: file:9092, group: from-file, properties: {sasl.password: from-file}}\n",
            environment: [
                "DRIFTWATCH_KAFKA_BOOTSTRAP": "env:9092", "DRIFTWATCH_KAFKA_GROUP": "from-env",
                "DRIFTWATCH_KAFKA_PROPERTY_SASL_PASSWORD": "secret", "DRIFTWATCH_KAFKA_PROPERTY_LOG__LEVEL": "6",
                "UNRELATED": "x",
            ])
        #expect(configuration.kafka.bootstrap == "env:9092")
        #expect(configuration.kafka.group == "from-env")
        #expect(configuration.kafka.properties == ["sasl.password": "secret", "log_level": "6"])
    }

    @Test("The commented examples in config/ load and validate", arguments: ["driftwatch.yaml", "driftwatch-multi-model.yaml"])
    func examples(file: String) throws {
        let path = Repository.path("config/\(file)").path
        let configuration = try AgentConfiguration.load(path: path, environment: ["KAFKA_BOOTSTRAP": "kafka:9093", "KAFKA_PASSWORD": "x"])
        try configuration.validate()
        #expect(!configuration.models.isEmpty)
    }
}
