import DriftMonitor
import Foundation
import Telemetry
import Testing

@Suite("Status page")
struct StatusPageTests {
    @Test("A drifted feature shows at drift level, with its reference and window histograms as SVG bars")
    func drifted() throws {
        let (catalogue, _) = try Fixture.catalogue()
        let page = String(decoding: StatusPage.render(catalogue.board.snapshot, version: "1.2.3"), as: UTF8.self)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("data-model=\"fraud\""))
        #expect(page.contains("data-feature=\"x\" data-level=\"drift\""))
        #expect(page.contains("data-feature=\"y\" data-level=\"ok\""))
        #expect(page.contains("data-state=\"warning\""))  // first breached window of two
        let (report, _) = try Fixture.report()
        let bins = try #require(report.features.first?.bins)
        #expect(bins.reference.count == DriftPolicy().bins)
        #expect(bins.reference.reduce(0, +) == 20_000)
        #expect(bins.current.reduce(0, +) == 2_000)
        // One reference and one window bar per bin, for each of the two features.
        let fraud = try #require(page.components(separatedBy: "<section").first { $0.contains("data-model=\"fraud\"") })
        #expect(fraud.components(separatedBy: "class=\"reference\"").count - 1 == 2 * bins.reference.count)
        #expect(fraud.components(separatedBy: "class=\"current\"").count - 1 == 2 * bins.current.count)
        // The vector: reference rows and the window's first 100 on the first two principal axes, and the window's mean.
        let encoder = try #require(page.components(separatedBy: "<section").first { $0.contains("data-model=\"encoder\"") })
        let projection = try #require(encoder.components(separatedBy: "<svg class=\"projection\"").dropFirst().first)
        #expect(projection.components(separatedBy: "class=\"reference\"").count - 1 == 200)
        #expect(projection.components(separatedBy: "class=\"current\"").count - 1 == 100)
        #expect(projection.contains("class=\"mean\"") && projection.contains("class=\"origin\""))
        #expect(encoder.contains("data-feature=\"embedding\" data-level=\"drift\""))
        #expect(encoder.contains("<td>mmd "))
        // No external assets.
        #expect(!page.contains("src="))
        #expect(!page.contains("<link"))
    }

    @Test("Names from the configuration and the data are escaped")
    func escaping() {
        let catalogue = MetricCatalogue(version: "<v>")
        _ = catalogue.makeModelMetrics(
            model: "a<b>&\"c\"", features: [], referenceVersion: "'r'", invalidReasons: [], multivariate: false)
        let page = String(decoding: StatusPage.render(catalogue.board.snapshot, version: catalogue.version), as: UTF8.self)
        #expect(page.contains("a&lt;b&gt;&amp;&quot;c&quot;"))
        #expect(page.contains("&#39;r&#39;"))
        #expect(!page.contains("<v>"))
    }

    @Test("A model with labels shows its performance: reference, last judged window and estimate per metric, the state and the waiting predictions")
    func performance() throws {
        let (catalogue, _) = try Fixture.catalogue()
        let metrics = catalogue.makePerformanceMetrics(model: "fraud", task: .binary)
        metrics.setReference([.accuracy: 0.91, .rocAUC: 0.95])
        metrics.setRealised([.accuracy: 0.62, .rocAUC: 0.7])
        metrics.setEstimated([.accuracy: 0.9])
        metrics.setState(.drift(cleanStreak: 0, breachedSinceRequest: 0))
        metrics.count(joined: 10, expired: 0, unmatched: 0, waiting: 1_234)
        let page = String(decoding: StatusPage.render(catalogue.board.snapshot, version: "1.2.3"), as: UTF8.self)
        #expect(page.contains("data-performance-state=\"degraded\""))
        #expect(page.contains("1234 predictions waiting for their label"))
        #expect(page.contains("<tr data-metric=\"accuracy\"><td>accuracy</td><td>0.91</td><td>0.62</td><td>0.9</td></tr>"), "\(page)")
        #expect(page.contains("<tr data-metric=\"ece\"><td>ece</td><td>–</td><td>–</td><td>–</td></tr>"))
    }
}
