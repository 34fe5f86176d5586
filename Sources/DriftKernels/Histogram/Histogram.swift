/// Counts and value sums per bin of fixed edges; mergeable by addition.
///
/// The per-bin sums make the binned Wasserstein distance exact wherever the two CDFs do
/// not cross inside a bin.
public struct Histogram: Sendable, Hashable, Codable {
    public private(set) var counts: [Int]
    public private(set) var sums: [Double]

    public init(binCount: Int) {
        counts = [Int](repeating: 0, count: binCount)
        sums = [Double](repeating: 0, count: binCount)
    }

    public init(counts: [Int], sums: [Double]) {
        precondition(counts.count == sums.count, "one sum per bin")
        self.counts = counts
        self.sums = sums
    }

    public var binCount: Int { counts.count }
    public var total: Int { counts.reduce(0, +) }

    public mutating func merge(_ other: Histogram) {
        precondition(other.binCount == binCount, "histograms over different bins")
        for i in counts.indices {
            counts[i] += other.counts[i]
            sums[i] += other.sums[i]
        }
    }

    public mutating func reset() {
        for i in counts.indices {
            counts[i] = 0
            sums[i] = 0
        }
    }

    /// Adds the non-NaN `values` and returns their moments, NaN count, out-of-`range` count and
    /// repeats (see ``BinLocator/summarize(_:counts:sums:shift:range:previous:)``).
    public mutating func summarize(
        _ values: UnsafeBufferPointer<Double>, locator: BinLocator, shift: Double, range: ClosedRange<Double>,
        previous: Double = .nan
    ) -> ColumnSummary {
        precondition(binCount == locator.edges.binCount, "histogram and locator disagree on bins")
        return counts.withUnsafeMutableBufferPointer { counts in
            sums.withUnsafeMutableBufferPointer { sums in
                locator.summarize(values, counts: counts, sums: sums, shift: shift, range: range, previous: previous)
            }
        }
    }

    /// Adds the non-NaN `values`, located by `locator`, and returns how many were NaN.
    @discardableResult
    public mutating func add(_ values: UnsafeBufferPointer<Double>, locator: BinLocator) -> Int {
        precondition(binCount == locator.edges.binCount, "histogram and locator disagree on bins")
        return counts.withUnsafeMutableBufferPointer { counts in
            sums.withUnsafeMutableBufferPointer { sums in
                locator.accumulate(values, counts: counts, sums: sums)
            }
        }
    }
}

extension Histogram {
    enum CodingKeys: String, CodingKey {
        case counts, sums
    }

    /// Refuses counts and sums of different lengths, which every use of a histogram assumes equal.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        counts = try container.decodeArray(of: Int.self, forKey: .counts)
        sums = try container.decodeArray(of: Double.self, forKey: .sums)
        guard counts.count == sums.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .sums, in: container, debugDescription: "\(sums.count) sums for \(counts.count) bin counts: one per bin")
        }
    }
}
