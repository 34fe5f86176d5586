/// When a window's performance counts as degraded: per metric, a rule giving the worst value
/// still accepted. Without a rule of its own a metric uses ``defaultRule``.
public struct PerformancePolicy: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        /// Worse than the reference chunks' mean by more than this many of their standard deviations.
        case standardDeviations(Double)
        /// Worse than this value.
        case absolute(Double)
        /// Worse than the reference value by more than this fraction of it.
        case relative(Double)
    }

    public var defaultRule = Rule.standardDeviations(3)
    public var rules: [PerformanceMetric: Rule] = [:]

    public init(defaultRule: Rule = .standardDeviations(3), rules: [PerformanceMetric: Rule] = [:]) {
        self.defaultRule = defaultRule
        self.rules = rules
    }

    /// The worst accepted value of `metric`, kept in the metric's range; nil when the rule
    /// needs what the baseline lacks (a spread from fewer than two chunks, a reference value).
    public func threshold(of metric: PerformanceMetric, baseline: PerformanceBaseline) -> Double? {
        let sign = metric.higherIsBetter ? -1.0 : 1.0
        let bound: Double
        switch rules[metric] ?? defaultRule {
        case .standardDeviations(let k):
            guard let spread = baseline.spreads[metric] else { return nil }
            bound = spread.mean + sign * k * spread.standardDeviation
        case .absolute(let value):
            bound = value
        case .relative(let fraction):
            guard let reference = baseline.values[metric], reference.isFinite else { return nil }
            bound = reference + sign * fraction * abs(reference)
        }
        guard bound.isFinite else { return nil }
        return min(max(bound, metric.range.lowerBound), metric.range.upperBound)
    }

    /// The metrics of `values` worse than their thresholds.
    public func breaches(of values: [PerformanceMetric: Double], baseline: PerformanceBaseline) -> [PerformanceBreach] {
        values.keys.sorted().compactMap { metric in
            guard let value = values[metric], !value.isNaN, let threshold = threshold(of: metric, baseline: baseline) else { return nil }
            let worse = metric.higherIsBetter ? value < threshold : value > threshold
            return worse ? PerformanceBreach(metric: metric, value: value, reference: baseline.values[metric] ?? .nan, threshold: threshold) : nil
        }
    }
}

/// A metric worse than its threshold: the evidence of a `performance.degraded` event.
public struct PerformanceBreach: Sendable, Hashable, Codable {
    public var metric: PerformanceMetric
    public var value: Double
    public var reference: Double
    public var threshold: Double

    /// `{"metric": .., "value": .., "reference": .., "threshold": ..}`, as events and `compare` write it.
    package func write(into json: inout JSONWriter) {
        json.beginObject()
        json.field("metric", metric.rawValue)
        json.field("value", value)
        json.field("reference", reference)
        json.field("threshold", threshold)
        json.endObject()
    }
}

/// In a configuration, per metric one rule:
/// `performance: {accuracy: {absolute: 0.8}, roc_auc: {relative: 0.05}, f1: {standard_deviations: 2}}`;
/// a metric not named keeps the default (3 standard deviations).
extension PerformancePolicy: Codable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    package enum RuleKey: String, CodingKey, CaseIterable {
        case absolute, relative
        case standardDeviations = "standard_deviations"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init()
        for key in container.allKeys {
            guard let metric = PerformanceMetric(rawValue: key.stringValue) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "'\(key.stringValue)' is not a metric; metrics: \(PerformanceMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let rule = try container.nestedContainer(keyedBy: RuleKey.self, forKey: key)
            let given = try RuleKey.allCases.compactMap { name in try rule.decodeIfPresent(Double.self, forKey: name).map { (name, $0) } }
            guard given.count == 1, let (name, value) = given.first else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "give one of absolute, relative, standard_deviations")
            }
            guard value.isFinite, value >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(name.rawValue) must be a number of at least 0")
            }
            rules[metric] =
                switch name {
                case .absolute: .absolute(value)
                case .relative: .relative(value)
                case .standardDeviations: .standardDeviations(value)
                }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (metric, rule) in rules.sorted(by: { $0.key < $1.key }) {
            var nested = container.nestedContainer(keyedBy: RuleKey.self, forKey: Key(stringValue: metric.rawValue))
            switch rule {
            case .absolute(let value): try nested.encode(value, forKey: .absolute)
            case .relative(let value): try nested.encode(value, forKey: .relative)
            case .standardDeviations(let value): try nested.encode(value, forKey: .standardDeviations)
            }
        }
    }
}
