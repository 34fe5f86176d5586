/// Everything the streaming window needs from a column, in one pass.
public struct ColumnSummary: Sendable {
    public var moments: Moments
    /// NaN values (not counted anywhere else).
    public var missing: Int
    /// Values outside the given range.
    public var outside: Int
    /// Values equal to the value before them (NaN skipped): a stuck input repeats itself.
    public var repeats: Int
    /// The last value that was not NaN, to carry into the next column of the stream.
    public var last: Double
}

extension ColumnSummary {
    /// The running totals of a column pass (all but the histogram), added block by block.
    struct Totals {
        let shift: Double
        let lower: Double
        let upper: Double
        var count = 0
        /// Sums of `d`, `d^2`, `d^3`, `d^4` for `d = x - shift`.
        var powerSums = SIMD4<Double>()
        var low = Double.infinity
        var high = -Double.infinity
        var outside = 0
        var repeats = 0
        /// The last value that was not NaN.
        var last: Double

        init(shift: Double, range: ClosedRange<Double>, previous: Double) {
            self.shift = shift
            lower = range.lowerBound
            upper = range.upperBound
            last = previous
        }

        /// Adds a block two values at a time, or returns false and adds nothing when the block
        /// holds a NaN (a repeat compares with the value before the NaN, which pairs cannot).
        ///
        /// One accumulator per power in two lanes keeps every total in a register: with two
        /// vectors of four lanes each (SSE2 has 16 registers) they spilled to the stack.
        mutating func addPairs(_ block: UnsafeBufferPointer<Double>) -> Bool {
            guard let values = block.baseAddress else { return true }
            typealias Pair = SIMD2<Double>
            let shift = Pair(repeating: shift), lower = Pair(repeating: lower), upper = Pair(repeating: upper)
            var s1 = Pair(), s2 = Pair(), s3 = Pair(), s4 = Pair()
            var low = Pair(repeating: low), high = Pair(repeating: high)
            // A true lane of a mask is all ones, -1 as an integer: subtracting the mask counts it.
            var outside = SIMD2<Int64>(), repeats = SIMD2<Int64>(), nan = SIMD2<Int64>()
            var before = last
            var i = 0
            while i &+ 2 <= block.count {
                let x = UnsafeRawPointer(values + i).loadUnaligned(as: Pair.self)
                let d = x - shift
                let d2 = d * d
                s1 += d
                s2 += d2
                s3 += d2 * d
                s4 += d2 * d2
                low.replace(with: x, where: x .< low)
                high.replace(with: x, where: x .> high)
                outside &-= unsafeBitCast((x .< lower) .| (x .> upper), to: SIMD2<Int64>.self)
                repeats &-= unsafeBitCast(x .== Pair(before, x[0]), to: SIMD2<Int64>.self)
                nan &-= unsafeBitCast(x .!= x, to: SIMD2<Int64>.self)
                before = x[1]
                i &+= 2
            }
            let odd = i < block.count ? values[i] : 0
            guard nan == .zero, !odd.isNaN else { return false }
            count &+= i
            powerSums += SIMD4(s1.sum(), s2.sum(), s3.sum(), s4.sum())
            self.low = Swift.min(self.low, low.min())
            self.high = Swift.max(self.high, high.max())
            self.outside &+= Int(outside.wrappedSum())
            self.repeats &+= Int(repeats.wrappedSum())
            if i > 0 { last = before }
            if i < block.count { add(odd) }
            return true
        }

        /// Adds a block one value at a time, skipping NaN.
        mutating func addEach(_ block: UnsafeBufferPointer<Double>) {
            for x in block where !x.isNaN { add(x) }
        }

        private mutating func add(_ x: Double) {
            let d = x - shift
            let d2 = d * d
            count &+= 1
            powerSums += SIMD4(d, d2, d2 * d, d2 * d2)
            low = Swift.min(low, x)
            high = Swift.max(high, x)
            outside &+= (x < lower || x > upper) ? 1 : 0
            repeats &+= x == last ? 1 : 0
            last = x
        }

        /// The summary of `valueCount` values, NaN included, that went through these totals.
        func summary(of valueCount: Int) -> ColumnSummary {
            let sums = (powerSums[0], powerSums[1], powerSums[2], powerSums[3])
            let moments = Moments(count: count, shift: shift, powerSums: sums, min: low, max: high)
            return ColumnSummary(moments: moments, missing: valueCount - count, outside: outside, repeats: repeats, last: last)
        }
    }
}
