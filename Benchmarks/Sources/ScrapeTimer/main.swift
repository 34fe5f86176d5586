import DriftMonitor
import Telemetry

// Usage: ScrapeTimer [MODELS] [FEATURES]
// Builds the catalogue of MODELS models of FEATURES numeric features (default 10 x 45, about
// 10,000 series), every series set, and times one /metrics exposition in each format: the
// median and the worst of 50, in milliseconds, printed as JSON.
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let models = arguments.first ?? 10
let featureCount = arguments.dropFirst().first ?? 45
let catalogue = MetricCatalogue(version: "bench")
let features = (0..<featureCount).map { Feature(name: "feature_\($0)", kind: .numeric) }
for model in 0..<models {
    let metrics = catalogue.makeModelMetrics(
        model: "model-\(model)", features: features, referenceVersion: "reference", invalidReasons: ["malformed_json", "too_large"],
        multivariate: true)
    metrics.countRecords(1_000_000 + model)
    metrics.setState(model % 3)
}
for partition in 0..<12 { catalogue.setLag(topic: "inference-logs", partition: Int32(partition), records: Int64(partition * 1000)) }

var results: [String] = []
for format in [ExpositionFormat.text, .openMetrics] {
    var buffer: [UInt8] = []
    catalogue.exposition(format, into: &buffer)
    let series = buffer.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
    var timings: [Double] = []
    for _ in 0..<50 {
        buffer.removeAll(keepingCapacity: true)
        let start = ContinuousClock.now
        catalogue.exposition(format, into: &buffer)
        let elapsed = ContinuousClock.now - start
        timings.append(Double(elapsed.components.attoseconds) * 1e-15 + Double(elapsed.components.seconds) * 1e3)
    }
    timings.sort()
    let name = format == .text ? "text" : "openmetrics"
    results.append("\"\(name)\": {\"series\": \(series), \"bytes\": \(buffer.count), \"median_ms\": \(timings[25]), \"max_ms\": \(timings[49])}")
}
print("{" + results.joined(separator: ", ") + "}")
