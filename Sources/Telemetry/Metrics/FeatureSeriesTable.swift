import DriftMonitor
import Synchronization

/// The per-feature series of every model (`driftwatch_feature_*`), kept as one row of doubles
/// per model and rendered at scrape time.
///
/// They are most of the catalogue: 22 series for each numeric feature. As swift-prometheus
/// gauges each cost about 430 bytes of heap (the object, its atomic, its name, label array and
/// pre-rendered line, and the family's dictionary entry), 10 KiB per feature and 4.9 MB at 10
/// models x 50 features; here a series is one `Double`. A window's values are written under
/// one lock, so a scrape sees all of a window or none of it.
final class FeatureSeriesTable: Sendable {
    /// The `driftwatch_feature_*` families, in exposition order.
    enum Family: Int, CaseIterable, Sendable {
        case driftScore, driftThreshold, driftPValue, drifted, missingRatio, typeMismatchRatio, nonFiniteRatio
        case outOfRangeRatio, newCategoryRatio, repeatedRatio, constant, mean, stddev, quantile

        var name: String {
            switch self {
            case .driftScore: "driftwatch_feature_drift_score"
            case .driftThreshold: "driftwatch_feature_drift_threshold"
            case .driftPValue: "driftwatch_feature_drift_pvalue"
            case .drifted: "driftwatch_feature_drifted"
            case .missingRatio: "driftwatch_feature_missing_ratio"
            case .typeMismatchRatio: "driftwatch_feature_type_mismatch_ratio"
            case .nonFiniteRatio: "driftwatch_feature_non_finite_ratio"
            case .outOfRangeRatio: "driftwatch_feature_out_of_range_ratio"
            case .newCategoryRatio: "driftwatch_feature_new_category_ratio"
            case .repeatedRatio: "driftwatch_feature_repeated_ratio"
            case .constant: "driftwatch_feature_constant"
            case .mean: "driftwatch_feature_mean"
            case .stddev: "driftwatch_feature_stddev"
            case .quantile: "driftwatch_feature_quantile"
            }
        }

        var help: String {
            switch self {
            case .driftScore: "Drift score of a feature in the last window."
            case .driftThreshold: "Alarm threshold of a vector feature's test for the last window's size, calibrated on the reference."
            case .driftPValue: "p-value of a feature's drift test in the last window."
            case .drifted: "1 if the feature is at drift level in the last window."
            case .missingRatio: "Share of records without a usable value."
            case .typeMismatchRatio: "Share of values of the wrong JSON type."
            case .nonFiniteRatio: "Share of values that were NaN or infinite."
            case .outOfRangeRatio: "Share of values outside the reference range."
            case .newCategoryRatio: "Share of values in categories the reference never saw."
            case .repeatedRatio: "Share of values equal to the value before them."
            case .constant: "1 if every value of the last window was the same."
            case .mean: "Mean of the feature in the last window."
            case .stddev: "Standard deviation of the feature in the last window."
            case .quantile: "Quantile of the feature in the last window, by probability."
            }
        }
    }

    /// One series of a feature: its family and the label after `model` and `feature`, if any.
    enum Series: Hashable, Sendable {
        case score(FeatureDrift.Method)
        case threshold(FeatureDrift.Method)
        case pvalue(FeatureDrift.Method)
        case plain(Family)
        case quantile(Double)

        var family: Family {
            switch self {
            case .score: .driftScore
            case .threshold: .driftThreshold
            case .pvalue: .driftPValue
            case .plain(let family): family
            case .quantile: .quantile
            }
        }

        var label: (name: String, value: String)? {
            switch self {
            case .score(let method), .threshold(let method), .pvalue(let method): ("method", method.rawValue)
            case .plain: nil
            case .quantile(let probability): ("probability", "\(probability)")
            }
        }
    }

    /// The series a feature of one kind has, each at its offset in the feature's slots.
    struct Layout: Sendable {
        let series: [Series]
        let offsets: [Series: Int]

        init(_ kind: Feature.Kind) {
            var series: [Series]
            switch kind {
            case .numeric:
                series = [.psi, .ks, .wasserstein, .jensenShannon, .hellinger, .kullbackLeibler].map(Series.score) + [.pvalue(.ks)]
            case .categorical:
                series = [.psi, .chiSquare, .jensenShannon, .hellinger, .kullbackLeibler].map(Series.score) + [.pvalue(.chiSquare)]
            case .vector:
                series = [.mmd, .meanDistance, .meanCosineDistance, .pcaReconstruction].map(Series.score) + [.threshold(.mmd)]
            }
            series += [.drifted, .missingRatio, .typeMismatchRatio, .nonFiniteRatio].map(Series.plain)
            if kind != .vector {
                // A vector's coordinates have no range, category or single mean.
                series += [.outOfRangeRatio, .newCategoryRatio].map(Series.plain)
                if kind == .numeric { series.append(.plain(.repeatedRatio)) }
                series += [.constant, .mean, .stddev].map(Series.plain)
                if kind == .numeric { series += Monitor.reportedQuantiles.map(Series.quantile) }
            }
            self.series = series
            offsets = Dictionary(uniqueKeysWithValues: series.enumerated().map { ($1, $0) })
            var byFamily = [[(offset: Int, labels: [UInt8])]](repeating: [], count: Family.allCases.count)
            for (offset, series) in series.enumerated() {
                var labels: [UInt8] = []
                if let label = series.label {
                    labels += "\",\(label.name)=\"".utf8
                    FeatureSeriesTable.appendEscaped(label.value, to: &labels)
                }
                byFamily[series.family.rawValue].append((offset, labels))
            }
            self.byFamily = byFamily
        }

        /// Per family, the offsets of a feature's series in it and the text of their labels
        /// after `feature`, rendered once: a scrape writes bytes, not strings.
        let byFamily: [[(offset: Int, labels: [UInt8])]]

        static let numeric = Layout(.numeric)
        static let categorical = Layout(.categorical)
        static let vector = Layout(.vector)

        static func of(_ kind: Feature.Kind) -> Layout {
            switch kind {
            case .numeric: numeric
            case .categorical: categorical
            case .vector: vector
            }
        }
    }

    /// One model's feature series: a row of values, each feature's series at its offset.
    final class Row: Sendable {
        let model: String
        let names: [String]
        let kinds: [Feature.Kind]
        let starts: [Int]
        /// Features past this many are left out of the exposition (the cardinality limit).
        let exported: Int
        let values: Mutex<[Double]>

        init(model: String, features: [Feature], exported: Int) {
            self.model = model
            names = features.map(\.name)
            kinds = features.map(\.kind)
            var starts: [Int] = []
            var end = 0
            for feature in features {
                starts.append(end)
                end += Layout.of(feature.kind).series.count
            }
            self.starts = starts
            self.exported = exported
            // A series reads 0 until its first window, as a new gauge does.
            values = Mutex([Double](repeating: 0, count: end))
        }

        /// Runs `body` with the row's values under its lock: a window's writes all at once.
        func update(_ body: (inout Writer) -> Void) {
            values.withLock { values in
                var writer = Writer(kinds: kinds, starts: starts, values: values)
                values = []  // the writer's copy is then the only one, and is written in place
                body(&writer)
                values = writer.values
            }
        }
    }

    /// Writes one window's values into a row.
    struct Writer {
        let kinds: [Feature.Kind]
        let starts: [Int]
        fileprivate(set) var values: [Double]

        /// Sets `series` of the feature at `index`; a series its kind does not have is ignored.
        mutating func set(_ series: Series, of index: Int, to value: Double) {
            guard let offset = Layout.of(kinds[index]).offsets[series] else { return }
            values[starts[index] + offset] = value
        }
    }

    private let rows = Mutex<[Row]>([])

    /// The row of series for `model`'s features, the first `exported` of them in the exposition.
    /// A model made again with the same features gets its existing row, as swift-prometheus
    /// hands back an existing gauge; with other features the new row replaces the old one in
    /// the exposition, which must not name a series twice.
    func makeRow(model: String, features: [Feature], exported: Int) -> Row {
        let row = Row(model: model, features: features, exported: exported)
        guard exported > 0 else { return row }
        return rows.withLock { rows in
            if let index = rows.firstIndex(where: { $0.model == model }) {
                let existing = rows[index]
                if existing.names == row.names && existing.kinds == row.kinds && existing.exported == exported { return existing }
                rows[index] = row
            } else {
                rows.append(row)
            }
            return row
        }
    }

    /// Appends the families that have series, in text format 0.0.4 as swift-prometheus writes gauges.
    func emit(into buffer: inout [UInt8]) {
        let rows = rows.withLock { $0 }
        let snapshots = rows.map { row in row.values.withLock { $0 } }
        // Each feature's `model="…",feature="…` once per scrape, not once per series.
        let prefixes = rows.map { row in
            row.names.prefix(row.exported).map { name in
                var prefix = Array("{model=\"".utf8)
                Self.appendEscaped(row.model, to: &prefix)
                prefix += "\",feature=\"".utf8
                Self.appendEscaped(name, to: &prefix)
                return prefix
            }
        }
        for family in Family.allCases {
            let name = Array(family.name.utf8)
            var headed = false
            for (r, row) in rows.enumerated() {
                for (index, prefix) in prefixes[r].enumerated() {
                    for series in Layout.of(row.kinds[index]).byFamily[family.rawValue] {
                        if !headed {
                            buffer += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) gauge\n".utf8
                            headed = true
                        }
                        buffer += name
                        buffer += prefix
                        buffer += series.labels
                        buffer += "\"} ".utf8
                        buffer += "\(snapshots[r][row.starts[index] + series.offset])".utf8
                        buffer.append(UInt8(ascii: "\n"))
                    }
                }
            }
        }
    }

    /// A label value with backslash, double quote and line feed escaped, as the text format asks.
    static func appendEscaped(_ value: String, to buffer: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            default: buffer.append(byte)
            }
        }
    }
}
