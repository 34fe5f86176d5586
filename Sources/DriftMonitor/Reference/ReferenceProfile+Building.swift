import DriftKernels

extension ReferenceProfile {
    /// Builds a profile from reference records in columns.
    /// - Parameters:
    ///   - features: the schema; numeric features map to `batch.numeric` in order, categorical to `batch.categorical`.
    ///   - dictionaries: the category dictionary of each categorical column.
    ///   - bins: PSI bins (reference quantiles), 10 by default.
    ///   - fineBins: quantile bins for KS, Wasserstein and quantiles.
    public init(
        model: String?, features: [Feature], batch: RecordBatch, dictionaries: [CategoryDictionary], bins: Int = 10,
        fineBins: Int = 200, version: String? = nil
    ) {
        self.init(
            model: model, features: features, batch: batch, dictionaries: dictionaries, bins: bins, fineBins: fineBins, version: version,
            numericProfiles: nil)
    }

    /// - Parameters:
    ///   - numericProfiles: the numeric features' profiles, in order, already built by
    ///     ``numericProfile(name:column:sorted:bins:fineBins:)`` by a caller that sorted the columns
    ///     for itself too (`compare`'s exact tests).
    ///   - multivariateFit: ``multivariateFit(of:)`` of the batch's numeric columns, already
    ///     made (`compare` makes it beside the columns' work).
    package init(
        model: String?, features: [Feature], batch: RecordBatch, dictionaries: [CategoryDictionary], bins: Int, fineBins: Int,
        version: String?, numericProfiles: [FeatureProfile]?, multivariateFit: MultivariateFit? = nil
    ) {
        var numericIndex = 0
        var categoricalIndex = 0
        var vectorIndex = 0
        var profiles: [FeatureProfile] = []
        for feature in features {
            switch feature.kind {
            case .numeric:
                let column = batch.numeric[numericIndex]
                profiles.append(
                    numericProfiles?[numericIndex]
                        ?? Self.numericProfile(name: feature.name, column: column, sorted: Self.sorted(column), bins: bins, fineBins: fineBins))
                numericIndex += 1
            case .categorical:
                let column = batch.categorical[categoricalIndex]
                let dictionary = dictionaries[categoricalIndex]
                categoricalIndex += 1
                var counts = [Int](repeating: 0, count: dictionary.count + 1)
                var missing = 0
                for code in column {
                    if code < 0 { missing += 1 } else { counts[min(Int(code), dictionary.count)] += 1 }
                }
                // Keep the categories seen, most frequent first.
                let seen = (0..<dictionary.count).filter { counts[$0] > 0 }.sorted { counts[$0] > counts[$1] }
                profiles.append(
                    FeatureProfile(
                        name: feature.name, kind: .categorical, missing: missing,
                        categories: seen.map { dictionary.name(of: Int32($0)) }, categoryCounts: seen.map { counts[$0] }))
            case .vector:
                let rows = batch.vectors[vectorIndex]
                let dimension = batch.vectorDimensions[vectorIndex]
                let present = batch.vectorRows(vectorIndex)
                vectorIndex += 1
                var seed = StableHash()
                seed.combine(feature.name)
                // A vector of fewer than two rows has no profile: the feature is never judged, as a numeric one without values.
                profiles.append(
                    FeatureProfile(
                        name: feature.name, kind: .vector, missing: batch.count - present,
                        vector: VectorProfile(rows: rows, dimension: dimension, seed: seed.value)
                            ?? VectorProfile(empty: dimension, seed: seed.value)))
            }
        }
        self.format = Self.currentFormat
        self.model = model
        self.rows = batch.count
        self.features = profiles
        let fit = multivariateFit ?? Self.multivariateFit(of: batch.numeric)
        multivariate = fit.baseline
        multivariateSkipped = fit.skipped
        self.version = ""
        self.version = version ?? contentHash()
    }

    /// The PCA baseline of the numeric columns, or why there is none.
    package struct MultivariateFit: Sendable {
        var baseline: ReconstructionDrift?
        var skipped: String?
    }

    /// The PCA baseline of equal-length `numeric` columns (the profile's numeric features in
    /// order); none without two columns of 200 rows to cut into calibration chunks.
    package static func multivariateFit(of numeric: [[Double]]) -> MultivariateFit {
        guard numeric.count >= 2 && numeric[0].count >= 200 else { return MultivariateFit() }
        var matrix = ColumnMatrix(columns: numeric)
        do {
            return MultivariateFit(baseline: try ReconstructionDrift(standardisingInPlace: &matrix))
        } catch {
            return MultivariateFit(skipped: "no multivariate (PCA) baseline: \(error)")
        }
    }

    /// The public initializer's fine bins.
    package static let defaultFineBins = 200

    /// A column's values without NaN, ascending.
    package static func sorted(_ column: [Double]) -> [Double] {
        column.withUnsafeBufferPointer { RadixSort.sortedWithoutNaN($0) }
    }

    /// A numeric feature's profile from its column and the column's ``sorted(_:)`` values:
    /// PSI and fine quantile edges, the histogram over both, the moments.
    package static func numericProfile(name: String, column: [Double], sorted: [Double], bins: Int, fineBins: Int) -> FeatureProfile {
        let psiEdges = sorted.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: bins) }
        let fine = sorted.withUnsafeBufferPointer { BinEdges.quantiles(ofSorted: $0, bins: fineBins) }
        let edges = BinEdges(psiEdges.values + fine.values)
        var histogram = Histogram(binCount: edges.binCount)
        var moments = Moments()
        sorted.withUnsafeBufferPointer { values in
            histogram.add(values, locator: BinLocator(edges: edges))
            moments.add(values)
        }
        return FeatureProfile(
            name: name, kind: .numeric, missing: column.count - sorted.count, psiEdges: psiEdges.values, edges: edges.values,
            histogram: histogram, moments: moments)
    }

    /// A short hash of the profile's statistics, so two different references never share a version.
    func contentHash() -> String {
        var hasher = StableHash()
        hasher.combine(rows)
        for feature in features {
            hasher.combine(feature.name)
            hasher.combine(feature.missing)
            for edge in feature.edges ?? [] { hasher.combine(edge.bitPattern) }
            for count in feature.histogram?.counts ?? [] { hasher.combine(count) }
            for category in feature.categories ?? [] { hasher.combine(category) }
            for count in feature.categoryCounts ?? [] { hasher.combine(count) }
            for value in feature.vector?.embedding.sums ?? [] { hasher.combine(value.bitPattern) }
        }
        for value in multivariate?.basis.components ?? [] { hasher.combine(value.bitPattern) }
        return hasher.hexDigest
    }
}

/// FNV-1a 64 over bytes: stable across processes and runs, unlike `Hasher`.
package struct StableHash {
    private var first: UInt64 = 0xCBF2_9CE4_8422_2325
    private var second: UInt64 = 0x6C62_272E_07BB_0142

    package init() {}

    package mutating func combine<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for byte in bytes {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = second.rotateLeft(17)
        }
    }

    package mutating func combine(_ string: String) {
        combine(bytes: string.utf8)
        combine(bytes: [0])
    }

    package mutating func combine(_ value: Int) { combine(UInt64(bitPattern: Int64(value))) }

    package mutating func combine(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { combine(bytes: $0) }
    }

    /// 64 bits of the digest.
    package var value: UInt64 { first ^ second.rotateLeft(32) }

    /// 32 hex digits.
    package var hexDigest: String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(first) + hex(second)
    }
}

extension UInt64 {
    fileprivate func rotateLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
