import Agent
import DriftMonitor
import Foundation
import KafkaIO
import TestSupport
import Testing

extension AgentOnKafka {
    /// The `driftwatch` process fed drifting traffic, seen the way users see it: through a real
    /// Prometheus (Debian's) scraping it, every dashboard panel's query, the alert rules, and
    /// the status page rendered by headless Chromium.
    @Suite("Observability: Prometheus, dashboards, alerts, status page", .serialized)
    struct ObservabilityTests {
        static let repository = Repository.root

        @Test("Prometheus scrapes the agent; every dashboard query and variable returns data; the drift alerts are active")
        func prometheus() async throws {
            let cluster = try AgentHarness.cluster(partitions: 2)
            try cluster.createTopic("labels", partitions: 2)
            // The model's labels follow its predictions on their own topic, so that the
            // performance dashboard has its series too; the labels stop following the scores
            // with the drift.
            let (directory, configuration, _) = try AgentHarness.processSetup(
                cluster,
                modelExtra: """
                        task: binary
                        labels: {topic: labels, window: 2s, max_delay: 1m}
                        policy: {performance: {accuracy: {relative: 0.1}, roc_auc: {relative: 0.1}}}
                    """)
            defer { try? FileManager.default.removeItem(at: directory) }
            try AgentHarness.useLabelledReference(configuration: configuration, in: directory, records: 20_000)
            // A second model logs 384-dimensional embeddings, for the vector panels; its topic mix shifts with the drift.
            let embeddings = directory.appendingPathComponent("embeddings.json")
            try JSONEncoder().encode(EmbeddingTraffic.reference(records: 2_000)).write(to: embeddings)
            let yaml = try String(contentsOfFile: configuration, encoding: .utf8)
            try (yaml + "\n  - name: \(EmbeddingTraffic.model)\n    reference: \(embeddings.path)\n    window: {records: 200}\n")
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            let (agent, agentPort) = try await AgentProcess.run(configuration: configuration)
            let prometheus = try Prometheus(directory: directory, target: agentPort, rules: Self.repository.appendingPathComponent("alerts/driftwatch.rules.yml"))
            defer { prometheus.stop() }
            try await prometheus.waitUntilReady()
            // Prometheus sees the counters at 0 first, so increase() and changes() see them move.
            let scraping = ContinuousClock.now
            while try await prometheus.query("count_over_time(up{job=\"driftwatch\"}[1m]) >= 3").isEmpty {
                try #require(ContinuousClock.now - scraping < .seconds(30), "Prometheus does not scrape the agent")
                try await Task.sleep(for: .milliseconds(200))
            }

            // Clean traffic, then drifted traffic with one record in 50 malformed, for long
            // enough that Prometheus holds rates and the policy reaches DRIFT.
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var clean = DemoTraffic(seed: 41, driftAfter: .max, labelled: true)
            try AgentHarness.produce(0..<4_000, of: &clean, partitions: 2, producer: producer, labelsTopic: "labels")
            var sentences = EmbeddingTraffic(seed: 41, shiftAfter: 1_000)
            func produceEmbeddings(_ count: Int) throws {
                let tickets = try (0..<count).map { i in
                    try producer.send(topic: "logs", key: nil, value: sentences.next(timestampMilliseconds: 1_764_000_000_000), partition: Int32(i % 2))
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            }
            try produceEmbeddings(1_000)
            var drifted = DemoTraffic(seed: 42, driftAfter: 0, malformedEvery: 50, labelled: true)
            let started = ContinuousClock.now
            var produced = 4_000
            while true {
                try AgentHarness.produce(produced..<produced + 250, of: &drifted, partitions: 2, producer: producer, labelsTopic: "labels")
                try produceEmbeddings(100)
                produced += 250
                try await Task.sleep(for: .milliseconds(250))
                if ContinuousClock.now - started > .seconds(20), try await prometheus.query("max(driftwatch_drift_state) == 2").count == 1,
                    try await prometheus.query("max(driftwatch_performance_state) == 2").count == 1
                {
                    break
                }
                try #require(ContinuousClock.now - started < .seconds(120), "the model never reached DRIFT in Prometheus")
            }

            // The variables, as Grafana's label_values() asks for them. This Prometheus adds no
            // namespace label, so namespace and job are "All" (their allValue, .*).
            #expect(try await prometheus.labelValues("job", match: "driftwatch_records_total") == ["driftwatch"])
            let models = try await prometheus.labelValues("model", match: "driftwatch_records_total")
            #expect(models.sorted() == [DemoTraffic.model, EmbeddingTraffic.model])
            let features = try await prometheus.labelValues(
                "feature", match: "driftwatch_feature_drifted{model=~\"(\(DemoTraffic.model)|\(EmbeddingTraffic.model))\"}")
            #expect(features.count == DemoTraffic.features.count + 1)

            // Every query of every panel and annotation, with the variables as Grafana fills them in.
            var checked = 0
            for file in ["driftwatch-fleet", "driftwatch-model", "driftwatch-quality", "driftwatch-agent", "driftwatch-performance"] {
                let url = Self.repository.appendingPathComponent("dashboards/\(file).json")
                let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
                #expect((dashboard["schemaVersion"] as? Int ?? 0) >= 39)
                let panels = try #require(dashboard["panels"] as? [[String: Any]])
                let annotations = (dashboard["annotations"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
                var queries = panels.flatMap { panel in
                    (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                        (target["expr"] as? String).map { (panel["title"] as? String ?? "?", $0) }
                    }
                }
                queries += annotations.compactMap { annotation in (annotation["expr"] as? String).map { ("annotation", $0) } }
                #expect(queries.count >= panels.count)
                for (title, expression) in queries {
                    let query = expression
                        .replacingOccurrences(of: "$__rate_interval", with: "30s")
                        .replacingOccurrences(of: "$namespace", with: ".*")
                        .replacingOccurrences(of: "$job", with: ".*")
                        .replacingOccurrences(of: "$model", with: "(\(models.joined(separator: "|")))")
                        .replacingOccurrences(of: "$feature", with: "(\(features.joined(separator: "|")))")
                    #expect(!query.contains("$"), "\(file) '\(title)': \(query)")
                    let result = try await prometheus.query(query)
                    #expect(!result.isEmpty, "\(file) panel '\(title)' returned no data: \(query)")
                    checked += 1
                }
            }
            #expect(checked >= 60)

            // The rules load and evaluate; the drift alerts are active (pending for their 5
            // minutes, which promtool's tests cover), for the features that drifted.
            let rules = try await prometheus.get("/api/v1/rules")
            let groups = try #require(((rules["data"] as? [String: Any])?["groups"] as? [[String: Any]]))
            let loaded = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
            #expect(loaded.count == 12)
            #expect(loaded.allSatisfy { $0["health"] as? String == "ok" }, "\(loaded.map { ($0["name"] ?? "", $0["lastError"] ?? "") })")
            var active: [[String: Any]] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let alerts = try await prometheus.get("/api/v1/alerts")
                active = (alerts["data"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
                let firing = Set(active.compactMap { ($0["labels"] as? [String: String])?["alertname"] })
                if firing.isSuperset(of: ["DriftwatchDatasetDrift", "DriftwatchModelPerformanceDegraded"]) { break }
                try await Task.sleep(for: .seconds(1))
            }
            #expect(active.allSatisfy { ["pending", "firing"].contains($0["state"] as? String) })
            let names = Set(active.compactMap { ($0["labels"] as? [String: String])?["alertname"] })
            #expect(names.contains("DriftwatchDatasetDrift"), "\(names)")
            #expect(names.contains("DriftwatchModelPerformanceDegraded"), "\(names)")
            #expect(names.contains("DriftwatchFeatureDrift"), "\(names)")
            let alerted = Set(active.compactMap { alert -> String? in
                let labels = alert["labels"] as? [String: String]
                return labels?["alertname"] == "DriftwatchFeatureDrift" ? labels?["feature"] : nil
            })
            let driftedFeatures = Set(try await prometheus.query("driftwatch_feature_drifted == 1").compactMap { $0["feature"] })
            #expect(!driftedFeatures.isEmpty && alerted == driftedFeatures, "alerts for \(alerted), drifted \(driftedFeatures)")
            #expect(!names.contains("DriftwatchAgentDown") && !names.contains("DriftwatchAgentAbsent"))

            agent.kill(SIGTERM)
            #expect(agent.exitStatus == 0)
        }

        @Test("The status page, rendered by headless Chromium, shows the drifted features at drift level")
        func statusPage() async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let (directory, configuration, _) = try AgentHarness.processSetup(cluster)
            defer { try? FileManager.default.removeItem(at: directory) }
            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 43, driftAfter: 1_000)
            try AgentHarness.produce(0..<3_000, of: &traffic, partitions: 1, producer: producer)
            // Six windows: two clean, four drifted; the page then holds still.
            try #require(try await agent.waitForLine(containing: "window closed", " window=5 ") != nil, "\(agent.log.suffix(5))")
            let body = try await LocalHTTP.get(port: port, "/metrics").body
            let drifted = Set(body.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("driftwatch_feature_drifted{"), line.hasSuffix(" 1.0"), let range = line.range(of: "feature=\"") else { return nil }
                return String(line[range.upperBound...].prefix { $0 != "\"" })
            })
            try #require(!drifted.isEmpty)

            let url = "http://127.0.0.1:\(port)/"
            let dom = try Chromium.run(["--dump-dom", url])
            let onPage = Set(dom.components(separatedBy: "data-level=\"drift\"").dropLast().compactMap { before -> String? in
                guard let range = before.range(of: "data-feature=\"", options: .backwards) else { return nil }
                return String(before[range.upperBound...].prefix { $0 != "\"" })
            })
            #expect(onPage == drifted)
            #expect(dom.contains("data-state=\"drift\""))
            #expect(dom.components(separatedBy: "<svg class=\"histogram\"").count - 1 == DemoTraffic.features.count)
            #expect(dom.contains("dev.driftwatch.retraining.requested"))

            let artifacts = Self.repository.appendingPathComponent("artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("status-page.png")
            try? FileManager.default.removeItem(at: screenshot)
            _ = try Chromium.run(["--screenshot=\(screenshot.path)", "--window-size=1400,2400", url])
            let png = try Data(contentsOf: screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(png.count > 20_000)
            agent.kill(SIGTERM)
        }
    }
}

/// Debian's Prometheus server on loopback, scraping one agent every second.
final class Prometheus: Sendable {
    let port: Int
    private let process: SpawnedProcess

    init(directory: URL, target: Int, rules: URL) throws {
        port = try LoopbackPort.free()
        let configuration = directory.appendingPathComponent("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: ["\(rules.path)"]
        scrape_configs:
          - job_name: driftwatch
            static_configs:
              - targets: ["127.0.0.1:\(target)"]
        """.write(to: configuration, atomically: true, encoding: .utf8)
        process = try SpawnedProcess(
            "/usr/bin/prometheus",
            [
                "--config.file=\(configuration.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("tsdb").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ], output: .null, error: .null)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await LocalHTTP.get(port: port, "/-/ready"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure(description: "Prometheus did not get ready on port \(port)")
    }

    func get(_ path: String, query: [URLQueryItem] = []) async throws -> [String: Any] {
        let body = try await LocalHTTP.get(port: port, path, query: query).body
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], object["status"] as? String == "success" else {
            throw Failure(description: "\(path) \(query): \(body)")
        }
        return object
    }

    /// An instant query's result: the labels of each element.
    func query(_ expression: String) async throws -> [[String: String]] {
        let response = try await get("/api/v1/query", query: [URLQueryItem(name: "query", value: expression)])
        let result = (response["data"] as? [String: Any])?["result"]
        if let vector = result as? [[String: Any]] { return vector.map { $0["metric"] as? [String: String] ?? [:] } }
        return result == nil ? [] : [[:]]  // a scalar
    }

    func labelValues(_ label: String, match: String) async throws -> [String] {
        let response = try await get("/api/v1/label/\(label)/values", query: [URLQueryItem(name: "match[]", value: match)])
        return response["data"] as? [String] ?? []
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}

/// Debian's headless Chromium: no sandbox (tests run as root), no GPU.
enum Chromium {
    static func run(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(
            ["chromium-headless-shell", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=2000"] + arguments)
        guard result.status == 0 else {
            throw Prometheus.Failure(description: "chromium \(arguments) exited \(result.status): \(result.errors.suffix(500))")
        }
        return result.text
    }
}

