@testable import DriftMonitor
import Testing

@Suite("Drift policy state machine")
struct DriftStateMachineTests {
    func report(
        drifted: Int, warned: Int = 0, total: Int = 10, records: Int = 1_000, judged: Bool = true, breaches: [QualityBreach] = []
    ) -> WindowReport {
        let features = (0..<total).map { i in
            let level: FeatureDrift.Level = i < drifted ? .drift : (i < drifted + warned ? .warning : .ok)
            return FeatureDrift(
                name: "f\(i)", kind: .numeric, level: level, decidingMethod: .psi, warnThreshold: 0.1, driftThreshold: 0.25,
                scores: [.init(method: .psi, value: level == .drift ? 0.4 : 0.01, pvalue: nil)], pvalue: nil, count: records, missingRatio: 0,
                typeMismatchRatio: 0, nonFiniteRatio: 0, repeatedRatio: 0, isConstant: false, outOfRangeRatio: 0, newCategoryRatio: 0, mean: 0, standardDeviation: 1, quantiles: [])
        }
        var report = WindowReport(
            model: "m", referenceVersion: "v", index: 0, records: records, firstEventTime: 0, lastEventTime: 1, features: features,
            datasetDriftShare: Double(drifted) / Double(total), evaluationSeconds: 0)
        report.qualityBreaches = breaches
        report.judged = judged
        return report
    }

    @Test("Quality breaches move the state like drifted features, and are the event's evidence")
    func qualityBreachesBreach() {
        var machine = DriftStateMachine(policy: DriftPolicy())
        let breach = QualityBreach(check: .missingRatio, feature: "f3", value: 0.4, limit: 0.2)
        let modelBreach = QualityBreach(check: .duplicateRatio, feature: nil, value: 0.05, limit: 0.01)
        #expect(machine.advance(with: report(drifted: 0, breaches: [breach])) == [])
        #expect(machine.state == .warning(breachedStreak: 1))
        let second = report(drifted: 0, breaches: [breach, modelBreach])
        #expect(machine.advance(with: second) == [.driftDetected, .retrainingRequested])
        let event = DriftEvent(kind: .retrainingRequested, report: second, policy: DriftPolicy())
        #expect(event.features.map(\.feature) == ["f3", nil])
        #expect(event.features.map(\.method) == ["missing_ratio", "duplicate_ratio"])
        #expect(event.features.map(\.threshold) == [0.2, 0.01])
        let json = String(decoding: event.cloudEventJSON(), as: UTF8.self)
        #expect(json.contains(#"{"name":null,"method":"duplicate_ratio","score":0.05,"threshold":0.01,"pvalue":null}"#))
        // Clean windows resolve as usual.
        #expect(machine.advance(with: report(drifted: 0)) == [])
        #expect(machine.advance(with: report(drifted: 0)) == [.driftResolved])
    }

    @Test("Two consecutive breached windows fire once; two clean windows resolve")
    func consecutiveAndHysteresis() {
        var machine = DriftStateMachine(policy: DriftPolicy())
        #expect(machine.advance(with: report(drifted: 1)) == [])
        #expect(machine.state == .warning(breachedStreak: 1))
        #expect(machine.advance(with: report(drifted: 0)) == [])
        #expect(machine.state == .ok)
        #expect(machine.advance(with: report(drifted: 2)) == [])
        #expect(machine.advance(with: report(drifted: 2)) == [.driftDetected, .retrainingRequested])
        #expect(machine.state.gauge == 2)
        #expect(machine.advance(with: report(drifted: 3)) == [])
        #expect(machine.advance(with: report(drifted: 0)) == [])
        #expect(machine.advance(with: report(drifted: 1)) == [])
        #expect(machine.advance(with: report(drifted: 0)) == [])
        #expect(machine.advance(with: report(drifted: 0)) == [.driftResolved])
        #expect(machine.state == .ok)
    }

    @Test("Windows too small to judge do not move the state; cooldown re-requests retraining")
    func minimumSizeAndCooldown() {
        var policy = DriftPolicy()
        policy.consecutiveWindows = 1
        policy.cooldownWindows = 2
        var machine = DriftStateMachine(policy: policy)
        #expect(machine.advance(with: report(drifted: 5, records: 10, judged: false)) == [])
        #expect(machine.state == .ok)
        #expect(machine.advance(with: report(drifted: 1)) == [.driftDetected, .retrainingRequested])
        #expect(machine.advance(with: report(drifted: 1)) == [])
        #expect(machine.advance(with: report(drifted: 1)) == [.retrainingRequested])
    }

    @Test("A required drifted share gates the breach")
    func datasetShare() {
        var policy = DriftPolicy()
        policy.consecutiveWindows = 1
        policy.datasetDriftShare = 0.3
        var machine = DriftStateMachine(policy: policy)
        #expect(machine.advance(with: report(drifted: 2)) == [])
        #expect(machine.state == .warning(breachedStreak: 0))
        #expect(machine.advance(with: report(drifted: 3)) == [.driftDetected, .retrainingRequested])
    }
}
