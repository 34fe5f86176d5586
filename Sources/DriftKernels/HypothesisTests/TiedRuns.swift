/// Walks two sorted samples together, one distinct value at a time: the rank-based tests
/// (Anderson-Darling, Cramér-von Mises) all need, per value, how many values of each sample
/// lie below it and how many equal it.
struct TiedRuns {
    /// One distinct value of the pooled sample: sample `a` holds `a.lowerBound..<a.upperBound`
    /// of its indices equal to it (`a.lowerBound` values below), sample `b` likewise.
    struct Run {
        var value: Double
        var a: Range<Int>
        var b: Range<Int>
    }

    @inline(__always)
    static func forEach(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, _ body: (Run) -> Void) {
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            // Which sample holds the next value cannot be predicted on continuous data: the
            // first step of each sample is taken without a branch, and only a tie, rarely,
            // takes the loops.
            let inA = i < a.count
            let inB = j < b.count
            let x = inA ? a[i] : .infinity
            let y = inB ? b[j] : .infinity
            let z = inB && (!inA || y < x) ? y : x
            let startA = i
            let startB = j
            i &+= inA && x == z ? 1 : 0
            j &+= inB && y == z ? 1 : 0
            while i < a.count && a[i] == z { i += 1 }
            while j < b.count && b[j] == z { j += 1 }
            body(Run(value: z, a: startA..<i, b: startB..<j))
        }
    }
}
