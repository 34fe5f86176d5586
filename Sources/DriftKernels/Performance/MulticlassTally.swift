/// The confusion matrix of a window of multiclass predictions (classes by index), mergeable
/// by addition: accuracy, and precision, recall and F1 macro-averaged over the classes that
/// occur as label or prediction, each as scikit-learn's with `zero_division` 0.
public struct MulticlassTally: Sendable, Hashable, Codable {
    /// `counts[label * classes + predicted]`.
    public private(set) var counts: [Int] = []
    public private(set) var classes = 0

    public init(classes: Int = 0) {
        grow(to: classes)
    }

    public var count: Int { counts.reduce(0, +) }

    public mutating func add(label: Int, predicted: Int) {
        precondition(label >= 0 && predicted >= 0, "classes are indexes")
        if max(label, predicted) >= classes { grow(to: max(label, predicted) + 1) }
        counts[label * classes + predicted] += 1
    }

    public mutating func merge(_ other: MulticlassTally) {
        grow(to: other.classes)
        for label in 0..<other.classes {
            for predicted in 0..<other.classes {
                counts[label * classes + predicted] += other.counts[label * other.classes + predicted]
            }
        }
    }

    /// The same counts with class `k` numbered `indexes[k]` (another agent's numbering of the
    /// same class names); indexes must be distinct and cover the tally's classes.
    public func renumbered(_ indexes: [Int]) -> MulticlassTally {
        precondition(indexes.count >= classes && Set(indexes.prefix(classes)).count == classes && indexes.allSatisfy { $0 >= 0 }, "a renumbering covers every class once")
        var renumbered = MulticlassTally(classes: (indexes.prefix(classes).max() ?? -1) + 1)
        for label in 0..<classes {
            for predicted in 0..<classes {
                renumbered.counts[indexes[label] * renumbered.classes + indexes[predicted]] += counts[label * classes + predicted]
            }
        }
        return renumbered
    }

    private mutating func grow(to wanted: Int) {
        guard wanted > classes else { return }
        var grown = [Int](repeating: 0, count: wanted * wanted)
        for label in 0..<classes {
            for predicted in 0..<classes { grown[label * wanted + predicted] = counts[label * classes + predicted] }
        }
        counts = grown
        classes = wanted
    }

    public var accuracy: Double {
        let total = count
        guard total > 0 else { return .nan }
        return Double((0..<classes).reduce(0) { $0 + counts[$1 * classes + $1] }) / Double(total)
    }

    /// Per class that occurs: true positives, predicted, actual.
    private var perClass: [(truePositives: Int, predicted: Int, actual: Int)] {
        (0..<classes).compactMap { k in
            let actual = (0..<classes).reduce(0) { $0 + counts[k * classes + $1] }
            let predicted = (0..<classes).reduce(0) { $0 + counts[$1 * classes + k] }
            return actual + predicted > 0 ? (counts[k * classes + k], predicted, actual) : nil
        }
    }

    public var macroPrecision: Double { Self.macro(perClass.map { BinaryClassificationTally.ratio($0.truePositives, $0.predicted) }) }
    public var macroRecall: Double { Self.macro(perClass.map { BinaryClassificationTally.ratio($0.truePositives, $0.actual) }) }
    public var macroF1: Double {
        Self.macro(perClass.map { BinaryClassificationTally.ratio(2 * $0.truePositives, $0.predicted + $0.actual) })
    }

    private static func macro(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
}
