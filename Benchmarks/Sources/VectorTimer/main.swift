import DriftKernels
import Foundation
import Timing

// Usage: VectorTimer REFERENCE.f64 WINDOW.f64 DIMENSION FEATURES
// Rows are row-major Float64, DIMENSION values each. Prints one JSON object: median seconds per
// step of the vector tests, and the window's scores, for bench_vectors.py.
let arguments = CommandLine.arguments
guard arguments.count == 5, let d = Int(arguments[3]), let features = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: VectorTimer REFERENCE.f64 WINDOW.f64 DIMENSION FEATURES\n".utf8))
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
print(String(decoding: try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys]), as: UTF8.self))
