import DriftKernels
import Testing

/// The radix sort against the standard library's sort, on every kind of double it meets.
@Suite("Radix sort")
struct RadixSortTests {
    enum Shape: String, CaseIterable {
        case normal, ties, signedZeros, extremes, withNaN, allNaN, constant
    }

    static func values(_ shape: Shape, count: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let u = Double.random(in: -1..<1, using: &rng)
            switch shape {
            case .normal: return u * 1e3
            case .ties: return (u * 10).rounded()
            case .signedZeros: return [0.0, -0.0, 1, -1][Int.random(in: 0..<4, using: &rng)]
            case .extremes:
                return [Double.infinity, -.infinity, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, u][
                    Int.random(in: 0..<6, using: &rng)]
            case .withNaN: return Int.random(in: 0..<5, using: &rng) == 0 ? .nan : u
            case .allNaN: return .nan
            case .constant: return 2.5
            }
        }
    }

    @Test("The values that are not NaN in the standard library's order, -0 before +0", arguments: Shape.allCases, [0, 1, 64, 65, 1_000, 100_000])
    func equalsStandardSort(shape: Shape, count: Int) {
        let values = Self.values(shape, count: count, seed: UInt64(count))
        let expected = values.filter { !$0.isNaN }.sorted { $0 < $1 || ($0 == $1 && $0.sign == .minus && $1.sign == .plus) }
        let sorted = values.withUnsafeBufferPointer { RadixSort.sortedWithoutNaN($0) }
        #expect(sorted.map(\.bitPattern) == expected.map(\.bitPattern))
        var inPlace = values.filter { !$0.isNaN }
        RadixSort.sort(&inPlace)
        #expect(inPlace.map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
