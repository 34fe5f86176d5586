@testable import DriftMonitor
import Foundation
@testable import Hook
import Testing

@Suite("Retraining events as the hook reads them")
struct RetrainingEventTests {
    /// An event as the agent writes it: two drifted features and a model-wide quality breach.
    static func agentEvent() -> DriftEvent {
        let features = ["amount", "country", "age"].enumerated().map { i, name in
            FeatureDrift(
                name: name, kind: .numeric, level: i < 2 ? .drift : .ok, decidingMethod: .psi, warnThreshold: 0.1, driftThreshold: 0.25,
                scores: [.init(method: .psi, value: i < 2 ? 0.4 : 0.01, pvalue: nil)], pvalue: nil, count: 2_000, missingRatio: 0,
                typeMismatchRatio: 0, nonFiniteRatio: 0, repeatedRatio: 0, isConstant: false, outOfRangeRatio: 0, newCategoryRatio: 0, mean: 0,
                standardDeviation: 1, quantiles: [])
        }
        var report = WindowReport(
            model: "fraud", referenceVersion: "ref-7", index: 4, records: 2_000, firstEventTime: 1_764_000_000_000,
            lastEventTime: 1_764_000_060_000, features: features, datasetDriftShare: 2.0 / 3, evaluationSeconds: 0)
        report.qualityBreaches = [QualityBreach(check: .duplicateRatio, feature: nil, value: 0.05, limit: 0.01)]
        return DriftEvent(kind: .retrainingRequested, report: report, policy: DriftPolicy())
    }

    @Test("A structured event from the agent's own encoder: attributes, data and environment")
    func structured() throws {
        let source = Self.agentEvent()
        let json = source.cloudEventJSON()
        let event = try RetrainingEvent(value: json, headers: [:])
        #expect(event.id == source.id)
        #expect(event.type == "dev.driftwatch.retraining.requested")
        #expect(event.model == "fraud")
        #expect(event.referenceVersion == "ref-7")
        #expect(event.windowStart == "2025-11-24T16:00:00.000Z")
        #expect(event.windowEnd == "2025-11-24T16:01:00.000Z")
        #expect(event.windowRecords == 2_000)
        #expect(event.features == ["amount", "country"])
        #expect(event.json == json)
        let environment = event.environment
        #expect(environment["DRIFTWATCH_MODEL"] == "fraud")
        #expect(environment["DRIFTWATCH_FEATURES"] == "amount,country")
        #expect(environment["DRIFTWATCH_EVENT_ID"] == source.id)
        #expect(environment["DRIFTWATCH_WINDOW_RECORDS"] == "2000")
    }

    @Test("A binary-mode event: attributes from ce_ headers, the value is the data")
    func binary() throws {
        let structured = try #require(JSONSerialization.jsonObject(with: Data(Self.agentEvent().cloudEventJSON())) as? [String: Any])
        let data = try JSONSerialization.data(withJSONObject: try #require(structured["data"]))
        let headers = ["ce_id": "abc", "ce_type": "dev.driftwatch.retraining.requested", "ce_source": "/driftwatch/models/fraud", "ce_specversion": "1.0"]
        let event = try RetrainingEvent(value: Array(data), headers: headers)
        #expect(event.id == "abc")
        #expect(event.model == "fraud")
        #expect(event.features == ["amount", "country"])
        // The command still gets one structured event on stdin.
        let rebuilt = try #require(JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any])
        #expect(rebuilt["id"] as? String == "abc")
        #expect((rebuilt["data"] as? [String: Any])?["model"] as? String == "fraud")
    }

    @Test(
        "Messages that are not driftwatch events name what is wrong",
        arguments: [
            (#"{"id":"1","type":"t","source":"s","data":{"model":"m"}"#, "malformed_json", "not JSON"),
            (#"[1,2]"#, "not_an_object", "not a JSON object"),
            (#"{"type":"t","source":"s","data":{"model":"m"}}"#, "missing_field", "no id"),
            (#"{"id":"1","type":"t","source":"s"}"#, "missing_field", "no data"),
            (#"{"id":"1","type":"t","source":"s","data":{}}"#, "missing_field", "no data.model"),
            (#"{"id":7,"type":"t","source":"s","data":{"model":"m"}}"#, "wrong_type", "id is not a non-empty string"),
            (#"{"id":"1","type":"t","source":"s","data":{"model":"m","window":{"records":1.5}}}"#, "wrong_type", "data.window.records is not an integer"),
            (#"{"id":"1","type":"t","source":"s","data":{"model":"m","features":[3]}}"#, "wrong_type", "data.features[0] is not an object"),
            // Hostile fields (issue 23): an id that splits the stored list or overflows it, a model
            // that forges a log line, a feature name that cuts DRIFTWATCH_FEATURES.
            (#"{"id":"a\nb","type":"t","source":"s","data":{"model":"m"}}"#, "invalid_field", "id holds a control character"),
            (#"{"id":"\#(String(repeating: "i", count: 257))","type":"t","source":"s","data":{"model":"m"}}"#, "invalid_field", "id has 257 bytes, more than 256"),
            (#"{"id":"1","type":"t","source":"s","data":{"model":"m\r\nlevel=critical"}}"#, "invalid_field", "data.model holds a control character"),
            (#"{"id":"1","type":"t","source":"s","data":{"model":"m","features":[{"name":"a\u0000b"}]}}"#, "invalid_field", "data.features[0].name holds a control character"),
            (#"{"id":"1","type":"t","source":"s","data":{"model":"m","features":[\#(Array(repeating: #"{"name":"\#(String(repeating: "f", count: 255))"}"#, count: 300).joined(separator: ","))]}}"#,
             "invalid_field", "data.features names more than 65536 bytes"),
        ])
    func malformed(value: String, reason: String, message: String) {
        do {
            _ = try RetrainingEvent(value: Array(value.utf8), headers: [:])
            Issue.record("\(value) was accepted")
        } catch {
            #expect(error.reason == reason)
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }
}

@Suite("Event ids remembered in commit metadata")
struct RecentEventIDsTests {
    @Test("Oldest ids leave first; the metadata round trip keeps the order")
    func capacityAndRoundTrip() {
        var ids = RecentEventIDs(capacity: 3)
        for id in ["a", "b", "c", "b", "d"] { ids.insert(id) }
        #expect(ids.ids == ["b", "c", "d"])
        #expect(!ids.contains("a"))
        let restored = RecentEventIDs(capacity: 3, metadata: ids.metadata)
        #expect(restored.ids == ["b", "c", "d"])
        #expect(RecentEventIDs(capacity: 2, metadata: ids.metadata).ids == ["c", "d"])
    }

    @Test("Metadata from anything else restores nothing; the newest ids fit the broker's limit")
    func foreignAndLimit() {
        #expect(RecentEventIDs(capacity: 10, metadata: Array("agent-state\nx".utf8)).ids.isEmpty)
        var ids = RecentEventIDs(capacity: 1_000)
        for i in 0..<1_000 { ids.insert(String(format: "%016x", i)) }
        let metadata = ids.metadata
        #expect(metadata.count <= RecentEventIDs.maximumMetadataBytes)
        let restored = RecentEventIDs(capacity: 1_000, metadata: metadata)
        #expect(restored.ids.last == String(format: "%016x", 999))
        #expect(restored.ids.count == (RecentEventIDs.maximumMetadataBytes - RecentEventIDs.header.utf8.count) / 17)
        // The longest id an event may have is always stored, with others beside it.
        var long = RecentEventIDs(capacity: 100)
        for i in 0..<100 { long.insert(String(format: "%0256d", i)) }
        let kept = RecentEventIDs(capacity: 100, metadata: long.metadata)
        #expect(kept.ids.count == 15 && kept.ids.last == String(format: "%0256d", 99))
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("Backoff doubles from the initial wait, is capped, and jitter keeps half of it", arguments: [0.0, 0.5, 0.999])
    func backoff(unit: Double) {
        let policy = RetryPolicy(attempts: 8, initialBackoff: .milliseconds(200), maximumBackoff: .seconds(3))
        let waits = (1...7).map { RetryPolicy.seconds(policy.backoff(after: $0, unit: unit)) }
        let bases = [0.2, 0.4, 0.8, 1.6, 3.0, 3.0, 3.0]
        for (wait, base) in zip(waits, bases) {
            #expect(abs(wait - base * (0.5 + 0.5 * unit)) < 0.001)
        }
        #expect(policy.worstCase == .seconds(300 * 8 + 3 * 7))
    }

    @Test(
        "Settings that cannot work name their option",
        arguments: [
            (RetryPolicy(attempts: 0), "--attempts"),
            (RetryPolicy(initialBackoff: .seconds(90), maximumBackoff: .seconds(60)), "--backoff"),
            (RetryPolicy(multiplier: 0.5), "--backoff-multiplier"),
            (RetryPolicy(attemptTimeout: .zero), "--timeout"),
        ])
    func invalid(policy: RetryPolicy, option: String) {
        #expect(throws: HookSettingsError.self) { try policy.validate() }
        do { try policy.validate() } catch { #expect(error.description.hasPrefix(option)) }
    }
}
