import DriftKernels
import DriftMonitor
import Foundation
import Timing

// Usage: VectorTimer REFERENCE.f64 WINDOW.f64 DIMENSION FEATURES [CLEAN.f64 CLEAN_ROWS...]
// Rows are row-major Float64, DIMENSION values each. Prints one JSON object: median seconds per
// step of the vector tests, the window's scores, the agent's monitor on the same rows (profile,
// per-window summaries with the PCA, the close), and with CLEAN.f64 (rows drawn like the
// reference) the share of clean windows of each CLEAN_ROWS size at warning and at drift level,
// for bench_vectors.py.
let arguments = CommandLine.arguments
guard arguments.count >= 5, let d = Int(arguments[3]), let features = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: VectorTimer REFERENCE.f64 WINDOW.f64 DIMENSION FEATURES [CLEAN.f64 CLEAN_ROWS...]\n".utf8))
    exit(2)
}
func rows(_ path: String) throws -> [Double] {
    try Data(contentsOf: URL(fileURLWithPath: path)).withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
}
let reference = try rows(arguments[1])
let window = try rows(arguments[2])

let median = medianSeconds

var results: [String: Double] = [:]
var sigma = 0.0
results["bandwidth"] = median(3) { sigma = reference.withUnsafeBufferPointer { KernelBandwidth.median(rows: $0, dimension: d) } ?? .nan }
let map = RandomFourierFeatures(dimension: d, features: features, bandwidth: sigma, seed: 1)
var blocks: [MeanEmbedding] = []
results["reference_blocks"] = median(3) { blocks = reference.withUnsafeBufferPointer { map.embeddings(of: $0, blocks: 256) } }
let calibrated = DiscrepancyThreshold(blocks: blocks)
let windowRows = window.count / d
var threshold = 0.0
results["calibration"] = median(3) { threshold = calibrated.threshold(windowRows: windowRows / 2) ?? .nan }
var referenceMean = VectorMean(dimension: d)
reference.withUnsafeBufferPointer { referenceMean.add(rows: $0) }

// Per window: the summaries, updated batch by batch (one dgemm per block of rows) ...
var embedding = MeanEmbedding(features: features)
var mean = VectorMean(dimension: d)
var scratch: [Double] = []
results["window_summaries"] = median(5) {
    embedding = MeanEmbedding(features: features)
    mean = VectorMean(dimension: d)
    window.withUnsafeBufferPointer {
        map.accumulate(rows: $0, into: &embedding, scratch: &scratch)
        mean.add(rows: $0)
    }
}
// ... and at its close, every vector test on them.
var scores = (mmd: 0.0, euclidean: 0.0, cosine: 0.0)
results["window_tests"] = median(101) {
    scores = (embedding.squaredDiscrepancy(to: calibrated.whole), mean.euclideanDistance(to: referenceMean), mean.cosineDistance(to: referenceMean))
}
results["mmd2"] = scores.mmd
results["threshold"] = threshold
results["euclidean"] = scores.euclidean
results["cosine"] = scores.cosine
results["sigma"] = sigma

// The agent's path: a profile of the reference, then a monitor's window fed in 1,024-row batches.
let schema = [Feature(name: "embedding", kind: .vector, dimension: d)]
/// `rows` in batches of `size` rows (the agent's monitors fold 1,024 at a time).
func batches(_ rows: ArraySlice<Double>, size: Int = 1_024) -> [RecordBatch] {
    var space = FeatureSpace()
    try! space.declare(schema)  // one valid vector feature
    var row = DecodedRow(space: space)
    var batches: [RecordBatch] = []
    var batch = RecordBatch(numericColumns: 0, categoricalColumns: 0, vectorDimensions: [d], capacity: min(size, rows.count / d))
    var start = rows.startIndex
    while start < rows.endIndex {
        row.reset()
        for k in 0..<d { row.appendVectorValue(rows[start + k], index: 0) }
        batch.append(row, numericSources: [], categoricalSources: [], vectorSources: [0])
        if batch.count == size {
            batches.append(batch)
            batch.removeAll()
        }
        start += d
    }
    if batch.count > 0 { batches.append(batch) }
    return batches
}
let joined = batches(reference[...], size: .max)[0]
var profile: ReferenceProfile?
results["monitor_profile"] = median(1) { profile = ReferenceProfile(model: "m", features: schema, batch: joined, dictionaries: []) }
var space = FeatureSpace()
try space.declare(schema)
let windowBatches = batches(window[...])
let monitor = try Monitor(model: "m", reference: profile!, policy: DriftPolicy(), windowRecords: windowRows, space: space)
var report: WindowReport?
results["monitor_summaries"] = median(5) {
    monitor.discardOpenWindow()
    for batch in windowBatches { monitor.add(batch) }
}
results["monitor_close"] = median(1) { report = monitor.closeWindow(space: space).report }
if let feature = report?.features.first {
    results["monitor_mmd2"] = feature.score(.mmd)?.value ?? .nan
    results["monitor_threshold"] = feature.driftThreshold
}

// False flags: clean windows of each size, drawn like the reference.
if arguments.count >= 7 {
    let clean = try rows(arguments[5])
    for size in arguments[6...].compactMap(Int.init) {
        let windows = clean.count / (size * d)
        let counter = try Monitor(model: "m", reference: profile!, policy: DriftPolicy(), windowRecords: size, space: space)
        var (warned, drifted) = (0, 0)
        for w in 0..<windows {
            for batch in batches(clean[(w * size * d)..<((w + 1) * size * d)]) { counter.add(batch) }
            let level = counter.closeWindow(space: space).report.features[0].level
            if level >= .warning { warned += 1 }
            if level == .drift { drifted += 1 }
        }
        results["clean_windows_\(size)"] = Double(windows)
        results["clean_warning_\(size)"] = Double(warned) / Double(max(windows, 1))
        results["clean_drift_\(size)"] = Double(drifted) / Double(max(windows, 1))
    }
}
print(String(decoding: try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys]), as: UTF8.self))
