/// The totals of two histograms over the same bins, for turning counts into shares; nil
/// when either side is empty (the distances are then nan).
struct BinTotals {
    let reference: Double
    let current: Double

    init?(_ reference: [Int], _ current: [Int], measure: StaticString) {
        precondition(reference.count == current.count, "\(measure) needs histograms over the same bins")
        self.reference = Double(reference.reduce(0, +))
        self.current = Double(current.reduce(0, +))
        guard self.reference > 0, self.current > 0 else { return nil }
    }
}
