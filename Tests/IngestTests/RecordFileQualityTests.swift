import DriftMonitor
import Foundation
import Ingest
import Testing
import TestSupport

/// `profile` and `compare` read files with the data-quality counts the agent keeps, and with
/// every feature of the file, however late its first value.
@Suite("Record files: data quality and schema")
struct RecordFileQualityTests {
    func write(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Ten records of x: two strings, one NaN, one infinity, six numbers; and c, a category.
    static let values = ["1.5", "oops", "2.5", "NaN", "3.5", "\"n/a\"", "Infinity", "4.5", "5.5", "6.5"]

    @Test("A string in a numeric column is a type mismatch and NaN or infinity non-finite, in JSON lines as in the agent")
    func jsonLinesCounts() throws {
        let lines = Self.values.enumerated().map { i, value in
            let x = value == "oops" ? "\"oops\"" : value
            return "{\"model\":\"m\",\"features\":{\"x\":\(x),\"c\":\"\(i % 2 == 0 ? "a" : "b")\"}}"
        }
        let path = try write(lines.joined(separator: "\n") + "\n", name: "current.jsonl")
        let features = [Feature(name: "x", kind: .numeric), Feature(name: "c", kind: .categorical)]
        let contents = try JSONLinesFile(path: path).read(features: features)
        #expect(contents.batch.count == 10)
        #expect(contents.batch.typeMismatches == [2, 0])
        #expect(contents.batch.nonFinite == [2, 0])

        // The agent's path: the same lines through the decoder into a monitor's window.
        var space = FeatureSpace()
        try space.declare(features)
        let reference = ReferenceProfile(model: "m", features: features, batch: contents.batch, dictionaries: contents.dictionaries)
        let monitor = try Monitor(model: "m", reference: reference, policy: DriftPolicy(), windowRecords: 10, space: space)
        var decoder = RecordDecoder(space: space)
        var row = DecodedRow(space: space)
        for line in lines {
            try Array(line.utf8).withUnsafeBytes { try decoder.decode($0, into: &row) }
            monitor.append(row, eventTime: nil)
        }
        let agent = monitor.closeWindow(space: decoder.space).report.features[0]
        let file = try Comparison(
            features: features, reference: contents.batch, referenceDictionaries: contents.dictionaries, current: contents.batch,
            currentDictionaries: contents.dictionaries, policy: DriftPolicy()
        ).report.features[0]
        #expect(agent.typeMismatchRatio == 0.2 && agent.nonFiniteRatio == 0.2)
        #expect(file.typeMismatchRatio == agent.typeMismatchRatio && file.nonFiniteRatio == agent.nonFiniteRatio)
    }

    @Test("CSV: nan is a non-finite number, not a category; a word in a column the reference made numeric is a type mismatch")
    func csvCounts() throws {
        let reference = try write("x,c\n" + (0..<40).map { "\(Double($0) / 4),\($0 % 2 == 0 ? "a" : "b")" }.joined(separator: "\n") + "\nnan,a\nNaN,b\n", name: "reference.csv")
        let referenceFile = try CSVFile(path: reference)
        let features = try referenceFile.inferSchema()
        #expect(features == [Feature(name: "x", kind: .numeric), Feature(name: "c", kind: .categorical)])
        let referenceContents = try referenceFile.read(features: features)
        #expect(referenceContents.batch.nonFinite == [2, 0] && referenceContents.batch.typeMismatches == [0, 0])

        let csvValues = Self.values.map { $0 == "NaN" ? "nan" : $0 == "Infinity" ? "inf" : $0 }
        let current = try write("x,c\n" + csvValues.map { "\($0),a" }.joined(separator: "\n") + "\n", name: "current.csv")
        let currentContents = try CSVFile(path: current).read(features: features)
        #expect(currentContents.batch.typeMismatches == [2, 0])
        #expect(currentContents.batch.nonFinite == [2, 0])
        let comparison = try Comparison(
            features: features, reference: referenceContents.batch, referenceDictionaries: referenceContents.dictionaries,
            current: currentContents.batch, currentDictionaries: currentContents.dictionaries, policy: DriftPolicy())
        let x = comparison.report.features[0]
        #expect(x.typeMismatchRatio == 0.2 && x.nonFiniteRatio == 0.2)
        #expect(comparison.json().contains(#""type_mismatch_ratio":0.2,"non_finite_ratio":0.2"#))
    }

    @Test("A feature whose first value comes after the first 1,000 records is profiled, in JSON lines and CSV")
    func lateFeature() throws {
        var jsonl = ""
        var csv = "early,late\n"
        for i in 0..<1_500 {
            let late = i >= 1_200 ? ",\"late\":\(Double(i) / 10)" : ""
            jsonl += "{\"features\":{\"early\":\(i)\(late)}}\n"
            csv += "\(i),\(i >= 1_200 ? "\(Double(i) / 10)" : "")\n"
        }
        for path in [try write(jsonl, name: "reference.jsonl"), try write(csv, name: "reference.csv")] {
            let (profile, skipped) = try RecordFormat.open(path: path).profile(model: "m")
            #expect(skipped.isEmpty)
            #expect(profile.schema == [Feature(name: "early", kind: .numeric), Feature(name: "late", kind: .numeric)], "\(path)")
            #expect(profile.feature(named: "late")?.moments?.count == 300)
            #expect(profile.feature(named: "late")?.missing == 1_200)
        }
    }
}

