/// Counts per category: exact while at most ``capacity`` distinct categories have been seen,
/// then the heaviest ones by Misra-Gries, which keeps `capacity` counters and undercounts
/// any category by at most ``errorBound`` (itself at most `total / (capacity + 1)`).
///
/// Mergeable (Agarwal et al. 2012): merging two summaries gives a summary of both streams
/// with the same guarantee, so windows can be combined across agents.
public struct CategoryCounts: Sendable, Hashable, Codable {
    public let capacity: Int
    public private(set) var counters: [String: Int] = [:]
    /// Values seen, all categories together.
    public private(set) var total = 0
    /// The most any category's count can be below its true count; 0 while exact.
    public private(set) var errorBound = 0

    public init(capacity: Int = 1_000) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// True while every count is exact.
    public var isExact: Bool { errorBound == 0 }

    /// A lower estimate of `category`'s count, within ``errorBound`` of the truth.
    public func estimate(of category: String) -> Int { counters[category] ?? 0 }

    public mutating func add(_ category: String, count: Int = 1) {
        guard count > 0 else { return }
        total += count
        if let current = counters[category] {
            counters[category] = current + count
            return
        }
        if counters.count < capacity {
            counters[category] = count
            return
        }
        // Full: take the same amount off every counter and the newcomer, up to the smallest.
        let decrement = Swift.min(count, counters.values.min() ?? 0)
        subtract(decrement)
        if count > decrement { counters[category] = count - decrement }
    }

    /// The counts of both streams.
    public mutating func merge(_ other: CategoryCounts) {
        precondition(other.capacity == capacity, "category counts with different capacities")
        counters.merge(other.counters, uniquingKeysWith: +)
        total += other.total
        errorBound += other.errorBound
        if counters.count > capacity {
            // Subtract the (capacity + 1)-th largest count: at most `capacity` counters stay positive.
            let sorted = counters.values.sorted(by: >)
            subtract(sorted[capacity])
        }
    }

    public func merging(_ other: CategoryCounts) -> CategoryCounts {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// The `n` categories with the largest counts, ties by name.
    public func top(_ n: Int) -> [(category: String, count: Int)] {
        counters.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n).map { ($0.key, $0.value) }
    }

    private mutating func subtract(_ amount: Int) {
        guard amount > 0 else { return }
        errorBound += amount
        counters = counters.compactMapValues { $0 > amount ? $0 - amount : nil }
    }
}
