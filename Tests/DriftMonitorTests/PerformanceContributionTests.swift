import DriftKernels
import DriftMonitor
import Foundation
import Testing
import TestSupport

/// Scale-out of model performance: a member's share of a window travels as JSON; the
/// aggregator merges only shares that fit its own tallies, whatever else arrives.
@Suite("Performance shares: what the aggregator takes")
struct PerformanceContributionTests {
    static let source = [PaneContribution.Source(topic: "logs", partition: 0)]

    static func share(_ tally: PerformanceTally?, classes: [String]? = nil, expired: Int = 0) -> PerformanceContribution {
        PerformanceContribution(
            model: "m", windowMilliseconds: 2_000, window: 7, sources: source, member: "a", tally: tally, expired: expired, classes: classes)
    }

    /// Through JSON, as on the summaries topic; a field set to `value` at `path` when given (a hostile member).
    static func travelled(_ share: PerformanceContribution, setting path: [String] = [], to value: Any? = nil) throws -> PerformanceContribution {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try encoder.encode(share)
        if !path.isEmpty, let value {
            func set(_ object: Any, _ path: ArraySlice<String>) -> Any {
                guard let key = path.first else { return value }
                if var dictionary = object as? [String: Any] {
                    dictionary[key] = set(dictionary[key] as Any, path.dropFirst())
                    return dictionary
                }
                if var array = object as? [Any], let index = Int(key) {
                    array[index] = set(array[index], path.dropFirst())
                    return array
                }
                return object
            }
            data = try JSONSerialization.data(withJSONObject: set(try JSONSerialization.jsonObject(with: data), path[...]))
        }
        return try decoder.decode(PerformanceContribution.self, from: data)
    }

    static func binary(seed: UInt64, threshold: Double = 0.5) -> PerformanceTally {
        var rng = SeededGenerator(seed: seed)
        var tally = PerformanceTally(task: .binary, threshold: threshold)
        for _ in 0..<500 {
            let score = Double.random(in: 0...1, using: &rng)
            tally.add(label: Double.random(in: 0..<1, using: &rng) < score ? 1 : 0, prediction: score)
        }
        return tally
    }

    @Test("A share's tally comes through JSON unchanged, and two halves merge to the whole")
    func roundTrip() throws {
        let whole = Self.binary(seed: 1)
        let travelled = try Self.travelled(Self.share(whole, expired: 3))
        #expect(travelled.tally == whole && travelled.expired == 3 && travelled.key == "m/performance/7/logs/0")
        var merged = PerformanceTally(task: .binary)
        merged.merge(Self.binary(seed: 2))
        merged.merge(try #require(try Self.travelled(Self.share(Self.binary(seed: 3))).tally))
        var direct = Self.binary(seed: 2)
        direct.merge(Self.binary(seed: 3))
        #expect(merged == direct)
    }

    @Test(
        "A share that would not merge cleanly is refused: another task, threshold or bin count, negative or huge counts, a negative sum, another format, no partitions",
        arguments: [
            (["tally", "binary", "_0", "truePositives"], "-1"),
            (["tally", "binary", "_0", "falsePositives"], "\(1 << 50)"),
            (["tally", "binary", "_0", "threshold"], "0.3"),
            (["tally", "binary", "_0", "logLossSum"], "-1.0"),
            (["tally", "binary", "_0", "scores", "positive"], "[1.0, 2.0]"),
            (["tally", "binary", "_0", "calibration", "counts"], "[1, 2, 3]"),
            (["expired"], "-4"),
            (["format"], "2"),
            (["sources"], "[]"),
        ])
    func implausibleBinary(path: [String], json: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let empty = PerformanceTally(task: .binary)
        #expect(Self.share(Self.binary(seed: 4)).isPlausible(like: empty, maximumClasses: 128))
        let tampered = try Self.travelled(Self.share(Self.binary(seed: 4)), setting: path, to: value)
        #expect(!tampered.isPlausible(like: empty, maximumClasses: 128))
        #expect(!Self.share(Self.binary(seed: 4)).isPlausible(like: PerformanceTally(task: .regression), maximumClasses: 128))
    }

    @Test("Multiclass shares name their classes: a renumbering to the aggregator's indexes keeps every count; a repeated or excess class list is refused")
    func multiclass() throws {
        var rng = SeededGenerator(seed: 5)
        let names = ["cat", "dog", "owl", "eel"]
        // The member met the classes in one order, the aggregator in another.
        let memberOrder = [2, 0, 3, 1]
        let aggregatorOrder = [1, 3, 0, 2]
        var member = MulticlassTally()
        var aggregator = MulticlassTally()
        for _ in 0..<1_000 {
            let label = Int.random(in: 0..<4, using: &rng)
            let predicted = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 0..<4, using: &rng) : label
            member.add(label: memberOrder[label], predicted: memberOrder[predicted])
            aggregator.add(label: aggregatorOrder[label], predicted: aggregatorOrder[predicted])
        }
        // Member index k names class memberOrder⁻¹(k), whose aggregator index is aggregatorOrder of it.
        let memberNames = (0..<4).map { k in names[memberOrder.firstIndex(of: k)!] }
        let indexes = memberNames.map { aggregatorOrder[names.firstIndex(of: $0)!] }
        #expect(member.renumbered(indexes) == aggregator)
        #expect(member.renumbered(indexes).accuracy == member.accuracy)

        let empty = PerformanceTally(task: .multiclass)
        #expect(Self.share(.multiclass(member), classes: memberNames).isPlausible(like: empty, maximumClasses: 128))
        #expect(!Self.share(.multiclass(member), classes: ["cat", "cat", "owl", "eel"]).isPlausible(like: empty, maximumClasses: 128))
        #expect(!Self.share(.multiclass(member), classes: memberNames).isPlausible(like: empty, maximumClasses: 3))
        #expect(!Self.share(.multiclass(member), classes: nil).isPlausible(like: empty, maximumClasses: 128))
        #expect(!Self.share(.multiclass(member), classes: Array(memberNames.prefix(3))).isPlausible(like: empty, maximumClasses: 128))
    }

    @Test("A share without a tally (nothing finished here since the last share) is plausible for any task")
    func progressOnly() {
        for task in [ModelTask.binary, .multiclass, .regression] {
            #expect(Self.share(nil).isPlausible(like: PerformanceTally(task: task), maximumClasses: 128))
        }
    }
}
