import DriftMonitor
import Foundation
import Telemetry
import Testing
import TestSupport

@Suite("Metric catalogue")
struct MetricCatalogueTests {
    /// Families of a text-format exposition: type, and the label names of its samples in order.
    static func families(_ text: String) -> [String: (type: String, labels: [String])] {
        var families: [String: (type: String, labels: [String])] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                families[String(parts[2])] = (String(parts[3]), [])
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                let family = families[name] != nil ? name : ["_bucket", "_sum", "_count"].lazy
                    .compactMap { name.hasSuffix($0) ? String(name.dropLast($0.count)) : nil }.first { families[$0] != nil }
                guard let family, families[family]!.labels.isEmpty, let open = line.firstIndex(of: "{") else { continue }
                let labels = line[line.index(after: open)..<line.firstIndex(of: "}")!]
                    .split(separator: ",").map { String($0.prefix { $0 != "=" }) }.filter { $0 != "le" }
                families[family]!.labels = labels
            }
        }
        return families
    }

    @Test("docs/metrics.md lists exactly the exported families, with their types and labels in order")
    func documentedCatalogue() throws {
        let (catalogue, _) = try Fixture.catalogue()
        let exported = Self.families(Fixture.exposition(catalogue))
        let table = try String(contentsOf: Fixture.repository.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        var documented: [String: (type: String, labels: [String])] = [:]
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let labels = cells[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[name] = (cells[2], labels)
        }
        #expect(documented.count >= 40)
        #expect(Set(exported.keys).subtracting(documented.keys).sorted() == [], "exported, not documented")
        #expect(Set(documented.keys).subtracting(exported.keys).sorted() == [], "documented, not exported")
        for (name, family) in exported {
            guard let entry = documented[name] else { continue }
            #expect(entry.type == family.type, "\(name)")
            #expect(entry.labels == family.labels, "\(name)")
        }
    }

    @Test("Every series' labels start model, feature, method")
    func labelOrder() throws {
        let (catalogue, _) = try Fixture.catalogue()
        for (name, family) in Self.families(Fixture.exposition(catalogue)) {
            let order = ["model", "feature", "method"].filter(family.labels.contains)
            #expect(Array(family.labels.prefix(order.count)) == order, "\(name): \(family.labels)")
        }
    }

    @Test("promtool check metrics finds nothing to lint")
    func promtoolLint() throws {
        let (catalogue, _) = try Fixture.catalogue()
        let result = try ChildProcess.run(["promtool", "check", "metrics"], input: Fixture.exposition(catalogue))
        #expect(result.status == 0, "\(result.text)\(result.errors)")
    }

    @Test("The OpenMetrics exposition parses with the official client's strict parser, family for family like the text one")
    func openMetrics() throws {
        let (catalogue, _) = try Fixture.catalogue()
        func parse(_ format: ExpositionFormat, _ kind: String) throws -> [String: [String: Any]] {
            let script = Fixture.repository.appendingPathComponent("Tests/Scripts/exposition.py").path
            let result = try ChildProcess.run(["python3", script, kind], input: Fixture.exposition(catalogue, format))
            #expect(result.status == 0, "\(result.errors)")
            let object = try JSONSerialization.jsonObject(with: result.output) as? [String: Any]
            return try #require(object?["families"] as? [String: [String: Any]])
        }
        let openMetrics = try parse(.openMetrics, "openmetrics")
        let text = try parse(.text, "text")
        #expect(openMetrics.count == text.count)
        #expect(openMetrics.count > 40)
        for (name, family) in openMetrics {
            // An info family is the text format's *_info gauge.
            let textFamily = family["type"] as? String == "info" ? text[name + "_info"] : text[name]
            let type = textFamily?["type"] as? String
            #expect(type == family["type"] as? String || (type == "gauge" && family["type"] as? String == "info"), "\(name)")
            #expect(textFamily?["samples"] as? Int == family["samples"] as? Int, "\(name)")
        }
        #expect(openMetrics["driftwatch_records"]?["type"] as? String == "counter")
        #expect(openMetrics["driftwatch_build"]?["type"] as? String == "info")
        #expect(Fixture.exposition(catalogue, .openMetrics).hasSuffix("# EOF\n"))
    }

    @Test(
        "Content negotiation",
        arguments: [
            // Prometheus 2.x's scrape header.
            ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
             ExpositionFormat.openMetrics),
            ("text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5", .text),
            ("*/*", .text),
            ("application/openmetrics-text; version=2.0.0", .text),
            ("application/openmetrics-text", .openMetrics),
            ("application/json", .text),
            ("", .text),
        ])
    func negotiation(accept: String, expected: ExpositionFormat) {
        #expect(ExpositionFormat(accept: accept) == expected)
    }

    @Test("Past the cardinality limits, models and features export no series and are counted")
    func cardinalityLimits() throws {
        let catalogue = MetricCatalogue(version: "1", limits: CardinalityLimits(models: 1, featuresPerModel: 1))
        let (report, state) = try Fixture.report()
        for model in ["first", "second"] {
            let metrics = catalogue.makeModelMetrics(
                model: model, features: Fixture.features, referenceVersion: "r", invalidReasons: [], multivariate: false)
            metrics.record(report, state: state)
            metrics.countRecords(5)
        }
        let text = Fixture.exposition(catalogue)
        #expect(text.contains("driftwatch_records_total{model=\"first\"} 5"))
        #expect(!text.contains("model=\"second\""))
        #expect(text.contains("driftwatch_feature_drifted{model=\"first\",feature=\"x\"} 1.0"))
        #expect(!text.contains("feature=\"y\""))
        // The second model's two features and the first model's second.
        #expect(text.contains("driftwatch_cardinality_overflow_total{kind=\"model\"} 1"))
        #expect(text.contains("driftwatch_cardinality_overflow_total{kind=\"feature\"} 3"))
        // Both models still reach the status page.
        #expect(catalogue.board.snapshot.map(\.model) == ["first", "second"])
        #expect(catalogue.board.snapshot.allSatisfy { $0.lastWindow?.records == 2_000 })
    }

    @Test("A feature's series hold its last window's values, matched by name when the reference lists the features in another order")
    func featureSeriesValues() throws {
        let catalogue = MetricCatalogue(version: "1")
        let (report, state) = try Fixture.report()
        let features = Array(Fixture.features.reversed())
        let first = catalogue.makeModelMetrics(model: "fraud", features: features, referenceVersion: "r", invalidReasons: [], multivariate: false)
        // Made again with the same features (as swift-prometheus would hand back the same gauges), it writes the same series.
        let again = catalogue.makeModelMetrics(model: "fraud", features: features, referenceVersion: "r", invalidReasons: [], multivariate: false)
        again.record(report, state: state)
        _ = first
        let text = Fixture.exposition(catalogue)
        #expect(report.features.count == 2)
        for feature in report.features {
            func value(_ family: String, _ label: String = "") -> Double? {
                Exposition.sample("driftwatch_feature_\(family){model=\"fraud\",feature=\"\(feature.name)\"\(label)}", in: text)
            }
            #expect(feature.scores.count == 6)
            for score in feature.scores {
                #expect(value("drift_score", ",method=\"\(score.method.rawValue)\"") == score.value, "\(feature.name) \(score.method)")
                if let pvalue = score.pvalue { #expect(value("drift_pvalue", ",method=\"\(score.method.rawValue)\"") == pvalue) }
            }
            #expect(value("drifted") == (feature.drifted ? 1 : 0))
            #expect(value("missing_ratio") == feature.missingRatio)
            #expect(value("out_of_range_ratio") == feature.outOfRangeRatio)
            #expect(value("repeated_ratio") == feature.repeatedRatio)
            #expect(value("mean") == feature.mean)
            #expect(value("stddev") == feature.standardDeviation)
            for quantile in feature.quantiles {
                #expect(value("quantile", ",probability=\"\(quantile.probability)\"") == quantile.value)
            }
            let series = text.split(separator: "\n").filter { $0.hasPrefix("driftwatch_feature_") && $0.contains("feature=\"\(feature.name)\"") }
            #expect(series.count == 22, "\(series)")
        }
        // The Fixture's report drifts in x alone, so a swap of the two features' series would show.
        #expect(report.features.map(\.drifted).sorted { !$0 && $1 } == [false, true])
    }

    @Test("process_* series come from /proc at scrape time")
    func processSeries() throws {
        let catalogue = MetricCatalogue(version: "1")
        let text = Fixture.exposition(catalogue)
        let resident = try #require(Exposition.sample("process_resident_memory_bytes", in: text))
        // This test process: more than a megabyte, less than its address space.
        #expect(resident > 1_000_000)
        #expect(try #require(Exposition.sample("process_virtual_memory_bytes", in: text)) > resident)
        let started = try #require(Exposition.sample("process_start_time_seconds", in: text))
        #expect(abs(started - Date().timeIntervalSince1970) < 3_600)
    }
}
