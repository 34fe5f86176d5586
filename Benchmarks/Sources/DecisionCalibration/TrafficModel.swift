import DriftMonitor
import Foundation

/// Clean inference traffic of mixed shapes, drawn the same way for the reference and every
/// window, so that whatever the agent flags on it is a false alarm.
///
/// Numeric features cycle through five shapes (normal, lognormal, bimodal, gamma(2), and a
/// discrete count with many ties); categorical ones through five (3 categories, Zipf over 8
/// and 20, a boolean, and a long tail of 2,000 Zipf categories of which the reference misses
/// some, as real user agents or item ids do).
struct TrafficModel {
    enum NumericShape: CaseIterable { case normal, lognormal, bimodal, gamma, counts }
    enum CategoricalShape: CaseIterable { case three, zipf8, zipf20, boolean, longTail }

    let numericShapes: [NumericShape]
    let categoricalShapes: [CategoricalShape]
    /// Per categorical feature: the cumulative probabilities, and each category's code.
    private let cumulative: [[Double]]
    private let codes: [[Int32]]
    let space: FeatureSpace
    let features: [Feature]

    init(numeric: Int, categorical: Int) {
        numericShapes = (0..<numeric).map { NumericShape.allCases[$0 % NumericShape.allCases.count] }
        categoricalShapes = (0..<categorical).map { CategoricalShape.allCases[$0 % CategoricalShape.allCases.count] }
        features =
            (0..<numeric).map { Feature(name: "n\($0)", kind: .numeric) }
            + (0..<categorical).map { Feature(name: "c\($0)", kind: .categorical) }
        var space = FeatureSpace()
        try! space.declare(features)  // generated, distinct names
        var cumulative: [[Double]] = []
        var codes: [[Int32]] = []
        for (j, shape) in categoricalShapes.enumerated() {
            let names: [String]
            let weights: [Double]
            switch shape {
            case .three:
                names = ["a", "b", "c"]
                weights = [0.6, 0.3, 0.1]
            case .zipf8, .zipf20, .longTail:
                let (count, exponent) = shape == .zipf8 ? (8, 1.0) : shape == .zipf20 ? (20, 1.1) : (2_000, 1.3)
                names = (0..<count).map { "k\($0)" }
                weights = (0..<count).map { 1 / pow(Double($0 + 1), exponent) }
            case .boolean:
                names = ["true", "false"]
                weights = [0.2, 0.8]
            }
            let total = weights.reduce(0, +)
            var running = 0.0
            cumulative.append(weights.map { running += $0 / total; return running })
            let dictionary = space.kindIndex[numeric + j]
            codes.append(names.map { space.dictionaries[dictionary].code(for: $0) })
        }
        self.cumulative = cumulative
        self.codes = codes
        self.space = space
    }

    /// The reference standard deviation of a numeric shape, for shifts in sigmas.
    static func standardDeviation(_ shape: NumericShape) -> Double {
        switch shape {
        case .normal: 1
        case .lognormal: ((exp(0.25) - 1) * exp(0.25)).squareRoot()  // sigma 0.5
        case .bimodal: (0.49 + 4).squareRoot()
        case .gamma: 2.0.squareRoot()
        case .counts: 3.5  // geometric, mean 3
        }
    }

    /// Fills `row` with one record; `shift` sigmas are added to the numeric feature `shifted`.
    func draw(into row: inout DecodedRow, using random: inout SplitMix, shifted: Int = -1, shift: Double = 0) {
        for (i, shape) in numericShapes.enumerated() {
            var x: Double
            switch shape {
            case .normal: x = random.normal()
            case .lognormal: x = exp(0.5 * random.normal())
            case .bimodal: x = (random.uniform() < 0.5 ? -2 : 2) + 0.7 * random.normal()
            case .gamma: x = -log(random.uniform(open: true)) - log(random.uniform(open: true))
            case .counts: x = (-log(random.uniform(open: true)) * 3).rounded(.down)
            }
            if i == shifted { x += shift * Self.standardDeviation(shape) }
            row.numeric[i] = x
        }
        for j in categoricalShapes.indices {
            let u = random.uniform()
            let table = cumulative[j]
            var low = 0
            var high = table.count - 1
            while low < high {
                let middle = (low + high) / 2
                if table[middle] < u { low = middle + 1 } else { high = middle }
            }
            row.categorical[j] = codes[j][low]
        }
    }

    /// A reference profile from `rows` clean records.
    func reference(rows: Int, seed: UInt64, bins: Int) -> ReferenceProfile {
        var random = SplitMix(seed: seed)
        var row = DecodedRow(space: space)
        var batch = RecordBatch(numericColumns: numericShapes.count, categoricalColumns: categoricalShapes.count, capacity: rows)
        let numericSources = Array(numericShapes.indices)
        let categoricalSources = Array(categoricalShapes.indices)
        for _ in 0..<rows {
            draw(into: &row, using: &random)
            batch.append(row, numericSources: numericSources, categoricalSources: categoricalSources)
        }
        return ReferenceProfile(
            model: "simulated", features: features, batch: batch, dictionaries: space.dictionaries, bins: bins)
    }
}

/// SplitMix64: deterministic, so every run of the simulation sees the same traffic.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), or (0, 1) when `open`.
    mutating func uniform(open: Bool = false) -> Double {
        let u = Double(next() >> 11) * 0x1p-53
        return open && u == 0 ? 0x1p-54 : u
    }

    mutating func normal() -> Double {
        (-2 * log(uniform(open: true))).squareRoot() * cos(2 * Double.pi * uniform())
    }
}
