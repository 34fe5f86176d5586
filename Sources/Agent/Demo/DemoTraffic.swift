import DriftKernels
import DriftMonitor
import Ingest

#if canImport(Glibc)
import Glibc
#endif

/// Synthetic inference logs of a fraud model: 20 numeric and 5 categorical features, as JSON
/// lines of about 390 bytes or as InferenceLog protobuf messages. After ``driftAfter`` records, three named features drift.
public struct DemoTraffic: Sendable {
    public static let model = "fraud-detector"
    /// The features that drift: a scale change, a mean shift and a new category mix.
    public static let driftingFeatures = ["transaction_amount", "session_duration_s", "device_type"]

    enum Distribution: Sendable {
        case normal(mean: Double, sd: Double)
        case lognormal(mu: Double, sigma: Double)
        case uniform(low: Double, high: Double)
    }

    static let numeric: [(name: String, distribution: Distribution)] = [
        ("transaction_amount", .lognormal(mu: 3.5, sigma: 0.8)),
        ("account_age_days", .uniform(low: 1, high: 3650)),
        ("session_duration_s", .normal(mean: 300, sd: 60)),
        ("clicks_last_hour", .lognormal(mu: 1.5, sigma: 0.5)),
        ("distance_home_km", .lognormal(mu: 2, sigma: 1)),
        ("credit_limit", .normal(mean: 5000, sd: 1500)),
        ("balance_ratio", .uniform(low: 0, high: 1)),
        ("txn_last_24h", .lognormal(mu: 1, sigma: 0.6)),
        ("avg_txn_30d", .lognormal(mu: 3.4, sigma: 0.5)),
        ("hour_of_day", .uniform(low: 0, high: 24)),
        ("merchant_risk", .normal(mean: 0.3, sd: 0.1)),
        ("ip_risk", .normal(mean: 0.2, sd: 0.08)),
        ("age", .normal(mean: 41, sd: 12)),
        ("income_k", .lognormal(mu: 4, sigma: 0.4)),
        ("failed_logins", .lognormal(mu: 0, sigma: 0.7)),
        ("cart_items", .lognormal(mu: 1, sigma: 0.5)),
        ("discount_pct", .uniform(low: 0, high: 30)),
        ("latency_ms", .normal(mean: 120, sd: 25)),
        ("score_v1", .normal(mean: 0, sd: 1)),
        ("score_v2", .normal(mean: 0, sd: 1)),
    ]

    static let categorical: [(name: String, values: [String], weights: [Double])] = [
        ("device_type", ["mobile", "desktop", "tablet"], [0.6, 0.3, 0.1]),
        ("channel", ["web", "app", "pos"], [0.4, 0.4, 0.2]),
        ("country", ["DE", "FR", "US", "GB", "ES", "IT"], [0.25, 0.2, 0.2, 0.15, 0.1, 0.1]),
        ("card_type", ["visa", "mastercard", "amex"], [0.5, 0.4, 0.1]),
        ("merchant_category", ["grocery", "travel", "electronics", "fashion"], [0.4, 0.2, 0.2, 0.2]),
    ]

    /// The schema of the records.
    public static var features: [Feature] {
        numeric.map { Feature(name: $0.name, kind: .numeric) } + categorical.map { Feature(name: $0.name, kind: .categorical) }
    }

    public var driftAfter: Int
    /// One record in `malformedEvery` is broken (0 = none), to exercise the dead-letter path.
    public var malformedEvery: Int
    /// JSON lines, driftwatch.v1.InferenceLog protobuf messages, or (with ``nextMessages(timestampMilliseconds:)``)
    /// KServe CloudEvents or Seldon ModelInfer messages.
    public var format: RecordDecoder.Format
    var generator: SeededGenerator
    public internal(set) var produced = 0
    private var line: [UInt8] = []
    var numbers: [Double] = []
    var categories: [String] = []

    /// JSON records carry a request id and a calibrated fraud score (``label`` says what
    /// happened), for the model's performance; after ``driftAfter`` the labels no longer
    /// follow the scores.
    public var labelled = false
    /// The true label of the last record, when ``labelled``.
    public private(set) var label = 0
    /// Draws the labels, apart from the features' generator, so that labelled traffic has
    /// the same features as unlabelled traffic of the same seed.
    private var labelGenerator: SeededGenerator
    /// The last record's score noise.
    private(set) var lastNoise = 0.0

    public init(seed: UInt64 = 7, driftAfter: Int, malformedEvery: Int = 0, format: RecordDecoder.Format = .json, labelled: Bool = false) {
        self.driftAfter = driftAfter
        self.malformedEvery = malformedEvery
        self.format = format
        self.labelled = labelled
        generator = SeededGenerator(seed: seed)
        labelGenerator = SeededGenerator(seed: seed ^ 0x1abe_11ed)
        line.reserveCapacity(512)
    }

    /// The request id of the last record.
    public var requestID: String { "req-\(produced)" }

    /// A calibrated fraud probability from the amount, the first score and `noise` in [0, 1).
    func fraudScore(noise: Double) -> Double {
        let amount = (log(max(numbers[0], 1e-9)) - 3.5) / 0.8
        let logit = -0.8 + 1.3 * amount + 0.9 * numbers[18] + 2 * (noise - 0.5)
        return 1 / (1 + exp(-logit))
    }

    /// The next record's bytes (valid until the next call).
    public mutating func next(timestampMilliseconds: Int64) -> [UInt8] {
        produced += 1
        if malformedEvery > 0 && produced % malformedEvery == 0 {
            switch format {
            case .protobuf, .seldon: line = [0x0A, 0x0E] + Array(Self.model.utf8) + [0x2A, 0x7F, 0x0A]  // a feature entry cut short
            case .json, .kserve, .auto: line = Array("{\"model\":\"\(Self.model)\",\"features\":{\"transaction_amount\":".utf8)
            }
            return line
        }
        drawFeatures(drifting: produced > driftAfter)
        switch format {
        case .json, .kserve, .seldon, .auto: writeJSON(timestampMilliseconds: timestampMilliseconds)
        case .protobuf:
            let features = zip(Self.numeric, numbers).map { (name: $0.name, value: InferenceLogEncoder.Value.number($1)) }
                + zip(Self.categorical, categories).map { (name: $0.name, value: InferenceLogEncoder.Value.category($1)) }
            line = InferenceLogEncoder.encode(
                model: Self.model, requestID: "req-\(produced)", eventTimeMilliseconds: timestampMilliseconds, features: features)
        }
        return line
    }

    mutating func drawFeatures(drifting: Bool) {
        numbers.removeAll(keepingCapacity: true)
        categories.removeAll(keepingCapacity: true)
        for feature in Self.numeric {
            var value = draw(feature.distribution)
            if drifting && feature.name == "transaction_amount" { value *= 1.9 }
            if drifting && feature.name == "session_duration_s" { value += 55 }
            numbers.append(value)
        }
        for feature in Self.categorical {
            var weights = feature.weights
            if drifting && feature.name == "device_type" { weights = [0.25, 0.25, 0.5] }
            categories.append(feature.values[pick(weights)])
        }
    }

    private mutating func writeJSON(timestampMilliseconds: Int64) {
        line.removeAll(keepingCapacity: true)
        append("{\"model\":\"\(Self.model)\",")
        if labelled { append("\"request_id\":\"\(requestID)\",") }
        append("\"timestamp\":\(timestampMilliseconds),\"features\":{")
        for (index, feature) in Self.numeric.enumerated() {
            if index > 0 { append(",") }
            append("\"\(feature.name)\":")
            Self.appendDecimal(numbers[index], to: &line)
        }
        for (index, feature) in Self.categorical.enumerated() {
            append(",\"\(feature.name)\":\"\(categories[index])\"")
        }
        append("},\"prediction\":")
        let noise = Double.random(in: 0..<1, using: &generator)
        lastNoise = noise
        if labelled {
            let score = fraudScore(noise: noise)
            Self.appendDecimal(score, to: &line)
            let u = Double.random(in: 0..<1, using: &labelGenerator)
            label = (produced > driftAfter ? u < 0.5 : u < (score * 1000).rounded() / 1000) ? 1 : 0
        } else {
            Self.appendDecimal(noise, to: &line)
        }
        append("}")
    }

    private mutating func draw(_ distribution: Distribution) -> Double {
        switch distribution {
        case .normal(let mean, let sd): return generator.normal(mean: mean, standardDeviation: sd)
        case .lognormal(let mu, let sigma): return exp(generator.normal(mean: mu, standardDeviation: sigma))
        case .uniform(let low, let high): return Double.random(in: low..<high, using: &generator)
        }
    }

    private mutating func pick(_ weights: [Double]) -> Int {
        var u = Double.random(in: 0..<1, using: &generator)
        for (index, weight) in weights.enumerated() {
            if u < weight { return index }
            u -= weight
        }
        return weights.count - 1
    }

    private mutating func append(_ text: String) {
        line.append(contentsOf: text.utf8)
    }

    /// Three decimals, as a model server's logger would typically print them.
    static func appendDecimal(_ value: Double, to line: inout [UInt8]) {
        let scaled = (value * 1000).rounded()
        var integer = Int64(scaled)
        if integer < 0 {
            line.append(UInt8(ascii: "-"))
            integer = -integer
        }
        let whole = integer / 1000
        let fraction = integer % 1000
        line.append(contentsOf: String(whole).utf8)
        line.append(UInt8(ascii: "."))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    /// The labels and scores of `records` records of the pre-drift labelled traffic: the
    /// labelled reference of the demo model's performance.
    public static func labelledReference(records: Int, seed: UInt64 = 99) -> LabelledPredictions {
        var traffic = DemoTraffic(seed: seed, driftAfter: .max, labelled: true)
        var labels: [Double] = []
        var scores: [Double] = []
        for i in 0..<records {
            _ = traffic.next(timestampMilliseconds: Int64(i))
            labels.append(Double(traffic.label))
            scores.append((traffic.fraudScore(noise: traffic.lastNoise) * 1000).rounded() / 1000)
        }
        return LabelledPredictions(labels: labels, predictions: scores)
    }

    /// A reference profile from `records` records of the pre-drift traffic (or, `drifted`, of the drifted traffic).
    public static func reference(records: Int, seed: UInt64 = 99, drifted: Bool = false) -> ReferenceProfile {
        var traffic = DemoTraffic(seed: seed, driftAfter: drifted ? 0 : .max)
        var space = FeatureSpace()
        try! space.declare(features)  // the demo's own schema has no conflicts
        var decoder = RecordDecoder(space: space)
        var row = DecodedRow(space: space)
        var batch = RecordBatch(numericColumns: numeric.count, categoricalColumns: categorical.count, capacity: records)
        let numericSources = Array(0..<numeric.count)
        let categoricalSources = Array(0..<categorical.count)
        for i in 0..<records {
            let bytes = traffic.next(timestampMilliseconds: Int64(i))
            try! bytes.withUnsafeBytes { try decoder.decode($0, into: &row) }  // generated records are valid JSON
            batch.append(row, numericSources: numericSources, categoricalSources: categoricalSources)
        }
        return ReferenceProfile(model: model, features: features, batch: batch, dictionaries: decoder.space.dictionaries)
    }
}
