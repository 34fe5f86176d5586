import DriftKernels

/// The mergeable statistics of one window for one model: O(features x bins), whatever the
/// number of records. Columns of a ``RecordBatch`` are folded in with vectorised kernels.
public struct WindowSummary: Sendable {
    /// Codable: members send it to the aggregator (``PaneContribution``).
    public struct Numeric: Sendable, Codable {
        public var histogram: Histogram
        public var moments = Moments()
        /// No value, or a value of the wrong type.
        public var missing = 0
        public var typeMismatches = 0
        public var nonFinite = 0
        /// Values outside the reference's [min, max].
        public var outOfRange = 0
        /// Values equal to the one before them, and the last value so far (NaN: none).
        public var repeats = 0
        public var last = Double.nan
        /// The first value that was not NaN, so that merged panes count a repeat across their boundary.
        public var first = Double.nan
    }

    public struct Categorical: Sendable {
        /// Counts by category code of the feature's dictionary.
        public var codeCounts: [Int] = []
        public var missing = 0
        public var typeMismatches = 0
        public var nonFinite = 0
    }

    /// A vector feature's mean embedding and mean (O(D + d)), and its PCA reconstruction errors.
    public struct Vector: Sendable, Codable {
        public var embedding: MeanEmbedding
        public var mean: VectorMean
        public var reconstruction = PrincipalComponents.ErrorSum()
        public var missing = 0
        public var typeMismatches = 0
        public var nonFinite = 0
        /// The first rows on the reference's first two principal axes (x, y alternating), for the status page.
        public var projected: [Double] = []
        static let projectedRows = 100

        init(dimension: Int, randomFeatures: Int) {
            embedding = MeanEmbedding(features: randomFeatures)
            mean = VectorMean(dimension: dimension)
        }

        /// Whether it has a vector feature's shape: dimension d and random features D.
        func fits(_ shape: (dimension: Int, randomFeatures: Int)) -> Bool {
            embedding.features == shape.randomFeatures && mean.dimension == shape.dimension
        }

        mutating func merge(_ other: Vector) {
            embedding.merge(other.embedding)
            mean.merge(other.mean)
            reconstruction.merge(other.reconstruction)
            projected.append(contentsOf: other.projected.prefix(max(0, 2 * Self.projectedRows - projected.count)))
            missing += other.missing
            typeMismatches += other.typeMismatches
            nonFinite += other.nonFinite
        }
    }

    public var numeric: [Numeric]
    public var categorical: [Categorical]
    public var vectors: [Vector]
    public var records = 0
    /// Sum of PCA reconstruction errors, when the reference has a multivariate baseline.
    public var reconstruction = PrincipalComponents.ErrorSum()
    /// Smallest and largest event time of the window's records (ms since the epoch).
    public var firstEventTime: Int64?
    public var lastEventTime: Int64?
    /// Records whose request id repeated a recent one.
    public var duplicateRecords = 0
    /// Records with a field outside the schema, and the first few such fields' names.
    public var unknownFieldRecords = 0
    public var unknownFields: [String] = []
    /// Names of unknown fields kept per window, for reports and logs.
    static let unknownFieldNames = 8

    /// - Parameter vectorShapes: per vector feature, its dimension d and random features D.
    init(numericBins: [Int], categoricalCount: Int, vectorShapes: [(dimension: Int, randomFeatures: Int)] = []) {
        numeric = numericBins.map { Numeric(histogram: Histogram(binCount: $0)) }
        categorical = Array(repeating: Categorical(), count: categoricalCount)
        vectors = vectorShapes.map { Vector(dimension: $0.dimension, randomFeatures: $0.randomFeatures) }
    }

    mutating func reset() {
        for i in numeric.indices {
            numeric[i].histogram.reset()
            numeric[i].moments = Moments()
            numeric[i].missing = 0
            numeric[i].typeMismatches = 0
            numeric[i].nonFinite = 0
            numeric[i].outOfRange = 0
            numeric[i].repeats = 0
            numeric[i].last = .nan
            numeric[i].first = .nan
        }
        for i in categorical.indices {
            for code in categorical[i].codeCounts.indices { categorical[i].codeCounts[code] = 0 }
            categorical[i].missing = 0
            categorical[i].typeMismatches = 0
            categorical[i].nonFinite = 0
        }
        for i in vectors.indices {
            vectors[i] = Vector(dimension: vectors[i].mean.dimension, randomFeatures: vectors[i].embedding.features)
        }
        records = 0
        duplicateRecords = 0
        unknownFieldRecords = 0
        unknownFields.removeAll(keepingCapacity: true)
        reconstruction = PrincipalComponents.ErrorSum()
        firstEventTime = nil
        lastEventTime = nil
    }

    mutating func noteEventTime(_ time: Int64) {
        firstEventTime = Swift.min(firstEventTime ?? time, time)
        lastEventTime = Swift.max(lastEventTime ?? time, time)
    }

    /// Folds a batch's columns in.
    /// - Parameter shifts: per numeric column, the reference mean, for one-pass moments.
    mutating func add(_ batch: RecordBatch, locators: [BinLocator], ranges: [ClosedRange<Double>], shifts: [Double]) {
        for i in numeric.indices {
            batch.numeric[i].withUnsafeBufferPointer { column in
                if numeric[i].first.isNaN, let value = column.first(where: { !$0.isNaN }) { numeric[i].first = value }
                let pass = numeric[i].histogram.summarize(
                    column, locator: locators[i], shift: shifts[i], range: ranges[i], previous: numeric[i].last)
                numeric[i].moments = numeric[i].moments.merging(pass.moments)
                numeric[i].missing += pass.missing
                numeric[i].typeMismatches += batch.typeMismatches[i]
                numeric[i].nonFinite += batch.nonFinite[i]
                numeric[i].outOfRange += pass.outside
                numeric[i].repeats += pass.repeats
                numeric[i].last = pass.last
            }
        }
        for i in categorical.indices {
            // Take the array out so that growing and counting do not copy it.
            var counts: [Int] = []
            swap(&counts, &categorical[i].codeCounts)
            var missing = 0
            for code in batch.categorical[i] {
                if code < 0 {
                    missing += 1
                    continue
                }
                let index = Int(code)
                if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
                counts[index] += 1
            }
            categorical[i].codeCounts = counts
            categorical[i].missing += missing
            categorical[i].typeMismatches += batch.typeMismatches[numeric.count + i]
            categorical[i].nonFinite += batch.nonFinite[numeric.count + i]
        }
        // Vector embeddings are folded by the monitor, which holds the random-feature maps.
        for i in vectors.indices {
            let column = numeric.count + categorical.count + i
            vectors[i].missing += batch.count - batch.vectorRows(i)
            vectors[i].typeMismatches += batch.typeMismatches[column]
            vectors[i].nonFinite += batch.nonFinite[column]
        }
        records += batch.count
    }

    /// Adds the counts of `later`, a summary of the records that came after this one's, over
    /// the same reference: merged panes summarise as one pass over their records would.
    mutating func merge(_ later: WindowSummary) {
        for i in numeric.indices {
            let other = later.numeric[i]
            numeric[i].histogram.merge(other.histogram)
            numeric[i].moments = numeric[i].moments.merging(other.moments)
            numeric[i].missing += other.missing
            numeric[i].typeMismatches += other.typeMismatches
            numeric[i].nonFinite += other.nonFinite
            numeric[i].outOfRange += other.outOfRange
            numeric[i].repeats += other.repeats + (other.first == numeric[i].last ? 1 : 0)
            if numeric[i].first.isNaN { numeric[i].first = other.first }
            if !other.last.isNaN { numeric[i].last = other.last }
        }
        for i in categorical.indices {
            let other = later.categorical[i]
            if other.codeCounts.count > categorical[i].codeCounts.count {
                categorical[i].codeCounts.append(contentsOf: repeatElement(0, count: other.codeCounts.count - categorical[i].codeCounts.count))
            }
            for (code, count) in other.codeCounts.enumerated() { categorical[i].codeCounts[code] += count }
            categorical[i].missing += other.missing
            categorical[i].typeMismatches += other.typeMismatches
            categorical[i].nonFinite += other.nonFinite
        }
        for i in vectors.indices { vectors[i].merge(later.vectors[i]) }
        records += later.records
        reconstruction.merge(later.reconstruction)
        if let time = later.firstEventTime { noteEventTime(time) }
        if let time = later.lastEventTime { noteEventTime(time) }
        duplicateRecords += later.duplicateRecords
        unknownFieldRecords += later.unknownFieldRecords
        for name in later.unknownFields where unknownFields.count < Self.unknownFieldNames && !unknownFields.contains(name) {
            unknownFields.append(name)
        }
    }
}
