@testable import Agent
import DriftMonitor
import Foundation
import Ingest
import KafkaIO
import Logging
import ServiceLifecycle
import Telemetry
import Testing
import TestSupport

extension AgentOnKafka {
    /// Data quality through the whole agent: defects injected into one window of a clean stream
    /// are measured, exported on /metrics, and breach the policy's quality limits.
    @Suite("Data quality end to end")
    struct DataQualityEndToEndTests {
        let logger: Logger = {
            var logger = Logger(label: "e2e-quality")
            logger.logLevel = .warning
            return logger
        }()

        /// What the defective window holds, counted while its records are written.
        struct Defects {
            var nonFinite = 0
            var duplicates = 0
            var unknownFields = 0
        }

        static let window = 2_000
        static let stuckValue = 42.0

        /// Record `i` of a clean stream, with the defects of the second window: a non-finite
        /// `transaction_amount` in 1 record of 10, a repeated request id in 1 of 25, a field outside
        /// the schema in 1 of 4, and `session_duration_s` stuck at one value.
        static func record(_ i: Int, traffic: inout DemoTraffic, format: RecordDecoder.Format, defects: inout Defects) -> [UInt8] {
            traffic.drawFeatures(drifting: false)
            var numbers = traffic.numbers
            let j = i - window
            let defective = (0..<window).contains(j)
            var requestID = "req-\(i)"
            var unknown = false
            if defective {
                if j % 10 == 0 {
                    numbers[0] = j % 20 == 0 ? .nan : .infinity
                    defects.nonFinite += 1
                }
                if j % 25 == 1 {
                    requestID = "req-\(i - 1)"
                    defects.duplicates += 1
                }
                if j % 4 == 0 {
                    unknown = true
                    defects.unknownFields += 1
                }
                numbers[2] = stuckValue
            }
            let time = 1_764_000_000_000 + Int64(i)
            switch format {
            case .protobuf:
                var features = zip(DemoTraffic.numeric, numbers).map { (name: $0.name, value: InferenceLogEncoder.Value.number($1)) }
                features += zip(DemoTraffic.categorical, traffic.categories).map { (name: $0.name, value: .category($1)) }
                if unknown { features.append((name: "new_field", value: .number(1))) }
                return InferenceLogEncoder.encode(
                    model: DemoTraffic.model, requestID: requestID, eventTimeMilliseconds: time, features: features)
            default:
                func text(_ value: Double) -> String {
                    value.isNaN ? "NaN" : (value.isInfinite ? (value < 0 ? "-Infinity" : "Infinity") : "\(value)")
                }
                let numeric = zip(DemoTraffic.numeric, numbers).map { "\"\($0.name)\":\(text($1))" }
                let categorical = zip(DemoTraffic.categorical, traffic.categories).map { "\"\($0.name)\":\"\($1)\"" }
                let extra = unknown ? ",\"new_field\":1" : ""
                return Array(
                    ("{\"model\":\"\(DemoTraffic.model)\",\"request_id\":\"\(requestID)\",\"timestamp\":\(time),"
                        + "\"features\":{\((numeric + categorical).joined(separator: ","))}\(extra)}").utf8)
            }
        }

        @Test("Defects in one window are measured, exported and breach the quality limits", arguments: [RecordDecoder.Format.json, .protobuf])
        func qualityEndToEnd(format: RecordDecoder.Format) async throws {
            let cluster = try AgentHarness.cluster(partitions: 1)
            let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            var traffic = DemoTraffic(seed: 3, driftAfter: .max, format: format)
            var defects = Defects()
            func produce(_ range: Range<Int>) throws {
                let tickets = try range.map { i in
                    try producer.send(
                        topic: "logs", key: nil, value: Self.record(i, traffic: &traffic, format: format, defects: &defects), partition: 0)
                }
                try producer.waitForDelivery(of: tickets, timeoutMilliseconds: 60_000)
            }

            var policy = DriftPolicy()
            policy.consecutiveWindows = 1
            policy.quality[.nonFiniteRatio] = 0.05
            policy.quality[.duplicateRatio] = 0.01
            policy.quality[.unknownFieldRatio] = 0.2
            policy.quality[.repeatedRatio] = 0.5
            policy.quality[.constant] = 0
            var configuration = AgentHarness.configuration(cluster, topics: ["logs"], windowRecords: Self.window)
            configuration.kafka.topicFormats = ["logs": format]
            configuration.models[0].policy = policy
            let agent = try AgentHarness.RunningAgent(configuration: configuration, logger: logger)

            // Two windows (clean, defective), then the scrape shows the defective one.
            try produce(0..<2 * Self.window)
            try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= 2 }
            let metrics = try await agent.get("/metrics").body
            // Two clean windows resolve the drift.
            try produce(2 * Self.window..<4 * Self.window)
            try await AgentHarness.wait(for: .seconds(60)) { agent.windows.count >= 4 }
            try await agent.stop()

            let windows = agent.windows.all
            try #require(windows.count == 4)
            let records = Double(Self.window)
            let clean = windows[0].report
            #expect(clean.qualityBreaches.isEmpty && clean.duplicateRatio == 0 && clean.unknownFieldRatio == 0)
            #expect(clean.features.allSatisfy { $0.nonFiniteRatio == 0 && !$0.isConstant && $0.repeatedRatio < 0.01 })

            let report = windows[1].report
            let amount = try #require(report.features.first { $0.name == "transaction_amount" })
            let session = try #require(report.features.first { $0.name == "session_duration_s" })
            #expect(amount.nonFiniteRatio == Double(defects.nonFinite) / records)
            #expect(amount.missingRatio == Double(defects.nonFinite) / records)
            #expect(amount.count == Self.window - defects.nonFinite)
            // The mean comes from power sums about the reference mean: equal to within rounding.
            #expect(session.isConstant && session.repeatedRatio == 1 && abs(session.mean - Self.stuckValue) < 1e-9)
            #expect(report.duplicateRatio == Double(defects.duplicates) / records)
            #expect(report.unknownFieldRatio == Double(defects.unknownFields) / records)
            #expect(report.unknownFields == ["new_field"])
            #expect(report.absentFeatures.isEmpty)
            let age = try #require(report.eventAgeSeconds)
            let newest = Double(1_764_000_000_000 + 2 * Self.window - 1) / 1000
            #expect(age > Date().timeIntervalSince1970 - newest - 600 && age < Date().timeIntervalSince1970 - newest)

            let breaches = report.qualityBreaches.map { "\($0.feature ?? "*") \($0.check.rawValue) \($0.value)" }
            #expect(
                breaches.sorted() == [
                    "* duplicate_ratio \(Double(defects.duplicates) / records)",
                    "* unknown_field_ratio \(Double(defects.unknownFields) / records)",
                    "session_duration_s constant 1.0",
                    "session_duration_s repeated_ratio 1.0",
                    "transaction_amount non_finite_ratio \(Double(defects.nonFinite) / records)",
                ])

            // The scrape after the defective window.
            func gauge(_ name: String, feature: String? = nil) -> Double? {
                let labels = "model=\"\(DemoTraffic.model)\"" + (feature.map { ",feature=\"\($0)\"" } ?? "")
                return Exposition.sample("driftwatch_\(name){\(labels)}", in: metrics)
            }
            #expect(gauge("feature_non_finite_ratio", feature: "transaction_amount") == amount.nonFiniteRatio)
            #expect(gauge("feature_missing_ratio", feature: "transaction_amount") == amount.missingRatio)
            #expect(gauge("feature_non_finite_ratio", feature: "account_age_days") == 0)
            #expect(gauge("feature_constant", feature: "session_duration_s") == 1)
            #expect(gauge("feature_constant", feature: "transaction_amount") == 0)
            #expect(gauge("feature_repeated_ratio", feature: "session_duration_s") == 1)
            #expect(gauge("duplicate_request_ratio") == report.duplicateRatio)
            #expect(gauge("unknown_field_ratio") == report.unknownFieldRatio)
            #expect(gauge("absent_features") == 0)
            #expect(gauge("quality_breaches") == 5)
            #expect(gauge("event_age_seconds") == age)

            // The breach is a retraining request with the quality evidence; two clean windows resolve it.
            #expect(windows.map(\.events.count) == [0, 2, 0, 1])
            let events = try AgentHarness.readAll(topic: "events", bootstrap: cluster.bootstrapServers, logger: logger)
            let types = try events.map { try AgentHarness.type(of: $0.value) }
            #expect(types == ["dev.driftwatch.drift.detected", "dev.driftwatch.retraining.requested", "dev.driftwatch.drift.resolved"])
            let retraining = try #require(events.count > 1 ? events[1] : nil)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(retraining.value)) as? [String: Any])
            let evidence = try #require((object["data"] as? [String: Any])?["features"] as? [[String: Any]])
            let methods = Set(evidence.map { "\($0["name"] as? String ?? "*") \($0["method"] as? String ?? "")" })
            #expect(methods.isSuperset(of: [
                "* duplicate_ratio", "* unknown_field_ratio", "session_duration_s constant", "session_duration_s repeated_ratio",
                "transaction_amount non_finite_ratio",
            ]))
            // Besides the quality evidence, only the stuck feature drifted.
            #expect(Set(report.driftedFeatures.map(\.name)) == ["session_duration_s"])
            #expect(try AgentHarness.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers, logger: logger).isEmpty)
        }
    }
}
