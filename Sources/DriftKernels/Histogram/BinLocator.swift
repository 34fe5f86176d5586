/// Finds the bin of a value in a few instructions, for the per-value hot path.
///
/// A uniform grid of cells over the range of the edges stores, for each cell, the first
/// bin that can hold a value of that cell. When the cells are narrower than half the
/// closest pair of edges (up to ``maximumCells`` cells), at most one more edge can lie
/// between that bin and the value, so the lookup is one load and one branch-free compare;
/// otherwise a short forward scan finishes the job.
///
/// The grid is kept in the narrowest integer that holds the bin count: a byte per cell for
/// up to 256 bins (the profile's default 211), so that a monitor of 50 features keeps its
/// grids in about 70 KiB rather than 280 KiB, and more of them stay in cache.
public struct BinLocator: Sendable {
    public let edges: BinEdges
    @usableFromInline let low: Double
    @usableFromInline let scale: Double
    @usableFromInline let grid: Grid
    /// The edges the lookup compares with: `edges.values`, sharing its storage (a copy with
    /// +infinity at the end cost 1.7 KiB per feature), or `[NaN]` when there are none (no
    /// value compares above it).
    @usableFromInline let edgeValues: [Double]
    /// True when one compare after the cell lookup always finds the bin.
    @usableFromInline let oneStep: Bool

    /// Each cell's first bin.
    @usableFromInline enum Grid: Sendable {
        case bytes([UInt8])
        case halves([UInt16])
        case words([UInt32])
    }

    /// The grid's size limit (64 Ki cells).
    public static let maximumCells = 1 << 16

    public init(edges: BinEdges) {
        self.edges = edges
        self.edgeValues = edges.values.isEmpty ? [.nan] : edges.values
        guard let first = edges.values.first, let last = edges.values.last, last > first else {
            low = edges.values.first ?? 0
            scale = 0
            grid = .bytes([0])
            oneStep = true
            return
        }
        var closest = Double.infinity
        for (a, b) in zip(edges.values, edges.values.dropFirst()) { closest = Swift.min(closest, b - a) }
        let needed = (2 * (last - first) / closest).rounded(.up) + 3
        oneStep = needed <= Double(Self.maximumCells)
        let cells = oneStep ? Swift.max(16, Int(needed)) : Self.maximumCells
        low = first
        // A value mapped to a cell is at least the start of the cell below it, whatever the
        // rounding of `(x - low) * scale`, so no earlier bin can hold it.
        let cellScale = Double(cells) / (last - first)
        // A cell past the last edge starts at the bin below it, so that the one-step compare
        // reads an edge that exists: the last one, which every value of that cell passes.
        let lastEdge = edges.values.count - 1
        let starts = (0...cells).lazy.map { cell in
            cell == 0 ? 0 : Swift.min(edges.bin(of: first + Double(cell - 1) / cellScale), lastEdge)
        }
        scale = cellScale
        // A cell holds a bin index, at most binCount - 1.
        if edges.binCount <= 1 << 8 {
            grid = .bytes(starts.map { UInt8(truncatingIfNeeded: $0) })
        } else if edges.binCount <= 1 << 16 {
            grid = .halves(starts.map { UInt16(truncatingIfNeeded: $0) })
        } else {
            grid = .words(starts.map { UInt32(truncatingIfNeeded: $0) })
        }
    }

    /// The grid's cells, for the memory accounting of tests and benchmarks.
    public var gridBytes: Int {
        switch grid {
        case .bytes(let cells): cells.count
        case .halves(let cells): 2 * cells.count
        case .words(let cells): 4 * cells.count
        }
    }

    /// Runs `body` with a lookup over this locator's edges and grid, specialised for the grid's cell width.
    @inlinable
    func withLookup<Result>(_ body: (Lookup<UInt8>) -> Result, _ half: (Lookup<UInt16>) -> Result, _ word: (Lookup<UInt32>) -> Result) -> Result {
        edgeValues.withUnsafeBufferPointer { edges in
            switch grid {
            case .bytes(let cells): cells.withUnsafeBufferPointer { body(Lookup(locator: self, edges: edges, starts: $0)) }
            case .halves(let cells): cells.withUnsafeBufferPointer { half(Lookup(locator: self, edges: edges, starts: $0)) }
            case .words(let cells): cells.withUnsafeBufferPointer { word(Lookup(locator: self, edges: edges, starts: $0)) }
            }
        }
    }

    /// The bin of `x`; equal to ``BinEdges/bin(of:)``. `x` must not be NaN.
    @inlinable
    public func bin(of x: Double) -> Int {
        withLookup({ $0.bin(of: x) }, { $0.bin(of: x) }, { $0.bin(of: x) })
    }

    /// Adds the bin counts and value sums of `values` (one slot per bin each) and returns
    /// how many values were NaN and so not counted.
    public func accumulate(
        _ values: UnsafeBufferPointer<Double>, counts: UnsafeMutableBufferPointer<Int>, sums: UnsafeMutableBufferPointer<Double>
    ) -> Int {
        precondition(counts.count == edges.binCount && sums.count == edges.binCount, "one slot per bin")
        return withLookup(
            { $0.accumulate(values, counts: counts, sums: sums) }, { $0.accumulate(values, counts: counts, sums: sums) },
            { $0.accumulate(values, counts: counts, sums: sums) })
    }
}

extension BinLocator {
    /// The grid and edges as raw buffers, valid inside ``BinLocator/withLookup(_:_:_:)``.
    @usableFromInline
    struct Lookup<Cell: FixedWidthInteger & UnsignedInteger> {
        @usableFromInline let edges: UnsafeBufferPointer<Double>
        @usableFromInline let starts: UnsafeBufferPointer<Cell>
        @usableFromInline let low: Double
        @usableFromInline let scale: Double
        @usableFromInline let lastCell: Double
        @usableFromInline let oneStep: Bool

        @inlinable
        init(locator: BinLocator, edges: UnsafeBufferPointer<Double>, starts: UnsafeBufferPointer<Cell>) {
            self.edges = edges
            self.starts = starts
            low = locator.low
            scale = locator.scale
            lastCell = Double(starts.count - 1)
            oneStep = locator.oneStep
        }

        @inlinable @inline(__always)
        func bin(of x: Double) -> Int {
            // Clamped with selects, not branches: a fifth of the values of decile bins fall outside.
            var position = (x - low) * scale
            position = position > 0 ? position : 0
            position = position < lastCell ? position : lastCell
            var bin = Int(truncatingIfNeeded: starts[Int(position)])
            if oneStep {
                // edges[bin] exists: no cell starts past the last edge.
                return bin &+ (edges[bin] <= x ? 1 : 0)
            }
            while bin < edges.count && edges[bin] <= x {
                bin += 1
            }
            return bin
        }

        /// Values per block of the two-step passes: small enough that a block's values and bins
        /// stay in L1 between the steps.
        static var blockSize: Int { 256 }

        /// Writes the bin of each of `count` values to `bins` (NaN gets bin 0, for the caller to skip).
        ///
        /// Two values at a time, without branches: the cell is `(x - low) * scale`, clamped to
        /// the grid and rounded to the nearest integer by adding 2^52 (exact below 2^52, so no
        /// checked conversion). Rounding up lands a value in the cell above its own, whose first
        /// bin is that of the cell below it: the one compare still finds the bin.
        func locate(_ values: UnsafePointer<Double>, count: Int, into bins: UnsafeMutablePointer<Cell>) {
            guard let edges = edges.baseAddress, let starts = starts.baseAddress else { return }
            typealias Pair = SIMD2<Double>
            let low = Pair(repeating: low), scale = Pair(repeating: scale), lastCell = Pair(repeating: lastCell)
            let edgeCount = self.edges.count
            @inline(__always) func cells(_ x: Pair) -> SIMD2<Int64> {
                var position = (x - low) * scale
                position.replace(with: 0, where: .!(position .> 0))  // NaN too
                position.replace(with: lastCell, where: position .> lastCell)
                return unsafeBitCast(position + Pair(repeating: 0x1p52), to: SIMD2<Int64>.self) &- 0x4330_0000_0000_0000
            }
            @inline(__always) func locateAll(_ bin: (Double, Int64) -> Int) {
                var i = 0
                while i &+ 2 <= count {
                    let x = UnsafeRawPointer(values + i).loadUnaligned(as: Pair.self)
                    let cell = cells(x)
                    bins[i] = Cell(truncatingIfNeeded: bin(x[0], cell[0]))
                    bins[i &+ 1] = Cell(truncatingIfNeeded: bin(x[1], cell[1]))
                    i &+= 2
                }
                if i < count {
                    bins[i] = Cell(truncatingIfNeeded: bin(values[i], cells(Pair(repeating: values[i]))[0]))
                }
            }
            if oneStep {
                locateAll { x, cell in
                    let bin = Int(truncatingIfNeeded: starts[Int(truncatingIfNeeded: cell)])
                    return bin &+ (edges[bin] <= x ? 1 : 0)
                }
            } else {
                locateAll { x, cell in
                    var bin = Int(truncatingIfNeeded: starts[Int(truncatingIfNeeded: cell)])
                    while bin < edgeCount && edges[bin] <= x { bin &+= 1 }
                    return bin
                }
            }
        }

        /// Adds each value to its bin's count and sum, skipping NaN; returns the NaN count.
        ///
        /// Apart from `locate` on purpose: in one loop with these stores, a grid, edge or spilled
        /// load whose address matched a pending store's in its low 12 bits waited for it, and the
        /// same loop over the same values ran up to 6 times slower depending on where the arrays
        /// and the stack happened to lie (the window's pass: 7.8 ms in `make bench-kernels`).
        static func scatter(
            _ values: UnsafePointer<Double>, bins: UnsafePointer<Cell>, count: Int, counts: UnsafeMutablePointer<Int>,
            sums: UnsafeMutablePointer<Double>
        ) -> Int {
            var missing = 0
            for i in 0..<count {
                let x = values[i]
                if x.isNaN {
                    missing &+= 1
                    continue
                }
                let bin = Int(truncatingIfNeeded: bins[i])
                counts[bin] &+= 1
                sums[bin] += x
            }
            return missing
        }

        /// Runs `body` over `values` in blocks of ``blockSize``, with room for the block's bins.
        func forEachBlock(
            _ values: UnsafeBufferPointer<Double>, _ body: (UnsafeBufferPointer<Double>, UnsafeMutablePointer<Cell>) -> Void
        ) {
            withUnsafeTemporaryAllocation(of: Cell.self, capacity: Self.blockSize) { bins in
                guard let bins = bins.baseAddress else { return }
                var start = 0
                while start < values.count {
                    let end = Swift.min(values.count, start + Self.blockSize)
                    body(UnsafeBufferPointer(rebasing: values[start..<end]), bins)
                    start = end
                }
            }
        }

        func accumulate(_ values: UnsafeBufferPointer<Double>, counts: UnsafeMutableBufferPointer<Int>, sums: UnsafeMutableBufferPointer<Double>) -> Int {
            guard let counts = counts.baseAddress, let sums = sums.baseAddress else { return 0 }
            var missing = 0
            forEachBlock(values) { block, bins in
                guard let start = block.baseAddress else { return }
                locate(start, count: block.count, into: bins)
                missing &+= Self.scatter(start, bins: bins, count: block.count, counts: counts, sums: sums)
            }
            return missing
        }
    }
}
