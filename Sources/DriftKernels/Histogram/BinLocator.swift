/// Finds the bin of a value in a few instructions, for the per-value hot path.
///
/// A uniform grid of cells over the range of the edges stores, for each cell, the first
/// bin that can hold a value of that cell. When the cells are narrower than half the
/// closest pair of edges (up to ``maximumCells`` cells), at most one more edge can lie
/// between that bin and the value, so the lookup is one load and one branch-free compare;
/// otherwise a short forward scan finishes the job.
public struct BinLocator: Sendable {
    public let edges: BinEdges
    @usableFromInline let low: Double
    @usableFromInline let scale: Double
    @usableFromInline let cellStart: [Int32]
    /// The edges followed by +infinity, so the one-step compare needs no bounds test.
    @usableFromInline let edgeValues: [Double]
    /// True when one compare after the cell lookup always finds the bin.
    @usableFromInline let oneStep: Bool

    /// The grid's size limit (256 KiB of cell starts).
    public static let maximumCells = 1 << 16

    public init(edges: BinEdges) {
        self.edges = edges
        self.edgeValues = edges.values + [.infinity]
        guard let first = edges.values.first, let last = edges.values.last, last > first else {
            low = edges.values.first ?? 0
            scale = 0
            cellStart = [0]
            oneStep = true
            return
        }
        var closest = Double.infinity
        for (a, b) in zip(edges.values, edges.values.dropFirst()) { closest = Swift.min(closest, b - a) }
        let needed = (2 * (last - first) / closest).rounded(.up) + 3
        oneStep = needed <= Double(Self.maximumCells)
        let cells = oneStep ? Swift.max(16, Int(needed)) : Self.maximumCells
        low = first
        scale = Double(cells) / (last - first)
        var starts = [Int32](repeating: 0, count: cells + 1)
        for cell in 1...cells {
            // A value mapped to this cell is at least the start of the cell below it, whatever
            // the rounding of `(x - low) * scale`, so no earlier bin can hold it.
            starts[cell] = Int32(edges.bin(of: first + Double(cell - 1) / scale))
        }
        cellStart = starts
    }

    /// The bin of `x`; equal to ``BinEdges/bin(of:)``. `x` must not be NaN.
    @inlinable
    public func bin(of x: Double) -> Int {
        edgeValues.withUnsafeBufferPointer { edges in
            cellStart.withUnsafeBufferPointer { starts in
                bin(of: x, edges: edges, starts: starts)
            }
        }
    }

    @inlinable
    func bin(of x: Double, edges: UnsafeBufferPointer<Double>, starts: UnsafeBufferPointer<Int32>) -> Int {
        // Clamped with selects, not branches: a fifth of the values of decile bins fall outside.
        var position = (x - low) * scale
        let lastCell = Double(starts.count - 1)
        position = position > 0 ? position : 0
        position = position < lastCell ? position : lastCell
        var bin = Int(starts[Int(position)])
        if oneStep {
            // edges[bin] exists: the sentinel +infinity ends the array.
            return bin &+ (edges[bin] <= x ? 1 : 0)
        }
        while edges[bin] <= x {
            bin += 1
        }
        return bin
    }

    /// Adds the bin counts and value sums of `values` (one slot per bin each) and returns
    /// how many values were NaN and so not counted.
    @inlinable
    public func accumulate(
        _ values: UnsafeBufferPointer<Double>, counts: UnsafeMutableBufferPointer<Int>, sums: UnsafeMutableBufferPointer<Double>
    ) -> Int {
        precondition(counts.count == edges.binCount && sums.count == edges.binCount, "one slot per bin")
        var missing = 0
        edgeValues.withUnsafeBufferPointer { edges in
            cellStart.withUnsafeBufferPointer { starts in
                guard let counts = counts.baseAddress, let sums = sums.baseAddress else { return }
                for x in values {
                    if x.isNaN {
                        missing &+= 1
                        continue
                    }
                    let bin = bin(of: x, edges: edges, starts: starts)
                    counts[bin] &+= 1
                    sums[bin] += x
                }
            }
        }
        return missing
    }
}
