/// Finds the bin of a value in a few instructions, for the per-value hot path.
///
/// A uniform grid of cells over the range of the edges stores, for each cell, the first
/// bin that can hold a value of that cell; a short forward scan finishes the job. With
/// cells finer than the bins the scan is zero or one step.
public struct BinLocator: Sendable {
    public let edges: BinEdges
    @usableFromInline let low: Double
    @usableFromInline let scale: Double
    @usableFromInline let cellStart: [Int32]
    @usableFromInline let edgeValues: [Double]

    public init(edges: BinEdges, cellsPerBin: Int = 4) {
        self.edges = edges
        self.edgeValues = edges.values
        guard let first = edges.values.first, let last = edges.values.last, last > first else {
            low = edges.values.first ?? 0
            scale = 0
            cellStart = [0]
            return
        }
        let cells = Swift.max(16, edges.values.count * cellsPerBin)
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
        let position = (x - low) * scale
        let lastCell = Double(starts.count - 1)
        let cell = position <= 0 ? 0 : (position >= lastCell ? starts.count - 1 : Int(position))
        var bin = Int(starts[cell])
        while bin < edges.count && edges[bin] <= x {
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
                for x in values {
                    if x.isNaN {
                        missing += 1
                    } else {
                        let bin = bin(of: x, edges: edges, starts: starts)
                        counts[bin] += 1
                        sums[bin] += x
                    }
                }
            }
        }
        return missing
    }
}
