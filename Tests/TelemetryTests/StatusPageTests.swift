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
        #expect(page.components(separatedBy: "class=\"reference\"").count - 1 == 2 * bins.reference.count)
        #expect(page.components(separatedBy: "class=\"current\"").count - 1 == 2 * bins.current.count)
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
}
