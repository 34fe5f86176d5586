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
            let z: Double
            if j >= b.count || (i < a.count && a[i] <= b[j]) { z = a[i] } else { z = b[j] }
            let startA = i
            let startB = j
            while i < a.count && a[i] == z { i += 1 }
            while j < b.count && b[j] == z { j += 1 }
            body(Run(value: z, a: startA..<i, b: startB..<j))
        }
    }
}
