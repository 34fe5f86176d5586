import DriftMonitor
import Foundation
import Ingest
import Testing
import TestSupport

/// `compare`'s engine on files, against scipy reading the same files.
@Suite("Compare files against scipy")
struct CompareFilesTests {
    /// Reference and current data: a clean, a shifted, a tied and a gappy numeric feature, a
    /// clean categorical one and one with a category the reference never saw.
    static func records(count: Int, drifted: Bool, seed: UInt64) -> [[String: Any]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var features: [String: Any] = [:]
            features["clean"] = rng.normal(mean: 10, standardDeviation: 2)
            features["shifted"] = rng.normal(mean: drifted ? 0.7 : 0)
            features["ties"] = (rng.normal() * 2).rounded()
            if Double.random(in: 0..<1, using: &rng) > 0.15 { features["gappy"] = exp(rng.normal()) }
            features["plan"] = ["free", "pro", "team"][Int.random(in: 0..<3, using: &rng)]
            let u = Double.random(in: 0..<1, using: &rng)
            features["device"] = drifted && u < 0.3 ? "watch" : (u < 0.6 ? "ios" : "android")
            return features
        }
    }

    static func write(_ records: [[String: Any]], to directory: URL, name: String) throws -> (jsonl: String, csv: String) {
        var jsonl = ""
        for record in records {
            let data = try JSONSerialization.data(withJSONObject: ["features": record, "model": "m"], options: [.sortedKeys])
            jsonl += String(decoding: data, as: UTF8.self) + "\n"
        }
        let columns = ["clean", "shifted", "ties", "gappy", "plan", "device"]
        var csv = columns.joined(separator: ",") + "\n"
        for record in records {
            csv += columns.map { column in
                switch record[column] {
                case let number as Double: "\(number)"
                case let text as String: "\"\(text)\""
                default: ""
                }
            }.joined(separator: ",") + "\n"
        }
        let jsonlURL = directory.appendingPathComponent("\(name).jsonl")
        let csvURL = directory.appendingPathComponent("\(name).csv")
        try Data(jsonl.utf8).write(to: jsonlURL)
        try Data(csv.utf8).write(to: csvURL)
        return (jsonlURL.path, csvURL.path)
    }

    static func compare(_ reference: String, _ current: String) throws -> Comparison {
        let referenceFile = try RecordFormat.open(path: reference)
        let features = try referenceFile.inferSchema()
        let a = try referenceFile.read(features: features)
        let b = try RecordFormat.open(path: current).read(features: features)
        return try Comparison(
            features: features, reference: a.batch, referenceDictionaries: a.dictionaries, current: b.batch,
            currentDictionaries: b.dictionaries, policy: DriftPolicy())
    }

    @Test("JSONL and CSV give the same verdicts and the scores scipy computes")
    func matchesScipy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // 3,000 x 2,000 rows: KS takes scipy's exact branch.
        let reference = try Self.write(Self.records(count: 3_000, drifted: false, seed: 1), to: directory, name: "reference")
        let current = try Self.write(Self.records(count: 2_000, drifted: true, seed: 2), to: directory, name: "current")

        let fromJSONL = try Self.compare(reference.jsonl, current.jsonl)
        let fromCSV = try Self.compare(reference.csv, current.csv)
        #expect(fromJSONL.referenceRows == 3_000 && fromJSONL.currentRows == 2_000)
        // Same numbers feature by feature (the schema's order follows each file's own order).
        func byName(_ comparison: Comparison) throws -> [String: NSDictionary] {
            let object = try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as? [String: Any]
            let features = object?["features"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: features.map { ($0["name"] as? String ?? "", NSDictionary(dictionary: $0)) })
        }
        let jsonlFeatures = try byName(fromJSONL)
        #expect(jsonlFeatures.count == 6)
        #expect(jsonlFeatures == (try byName(fromCSV)))
        #expect(Set(fromJSONL.report.driftedFeatures.map(\.name)) == ["shifted", "device"])

        let expected = try #require(try NumpyOracle.run("compare-files", arguments: [reference.jsonl, current.jsonl])["features"] as? [String: [String: Any]])
        for feature in fromJSONL.report.features {
            let oracle = try #require(expected[feature.name], "\(feature.name)")
            let psi = try #require(feature.score(.psi)?.value)
            #expect(abs(psi - (try NumpyOracle.double(oracle, "psi"))) <= 1e-12, "\(feature.name) psi")
            #expect(abs(try #require(feature.score(.jensenShannon)?.value) - (try NumpyOracle.double(oracle, "js"))) <= 1e-12)
            if feature.kind == .numeric {
                let ks = try #require(feature.score(.ks))
                #expect(ks.value == (try NumpyOracle.double(oracle, "ks")), "\(feature.name) ks")
                #expect(abs(try #require(ks.pvalue) - (try NumpyOracle.double(oracle, "ks_pvalue"))) <= 1e-9, "\(feature.name) ks p")
                let w = try #require(feature.score(.wasserstein)?.value)
                let expectedW = try NumpyOracle.double(oracle, "wasserstein")
                #expect(abs(w - expectedW) <= 1e-9 * max(expectedW, 1e-300), "\(feature.name) wasserstein")
                let ad = try #require(feature.score(.andersonDarling)?.value)
                #expect(abs(ad - (try NumpyOracle.double(oracle, "ad"))) <= 1e-9 * max(1, abs(ad)))
                let cvm = try #require(feature.score(.cramerVonMises)?.value)
                #expect(abs(cvm - (try NumpyOracle.double(oracle, "cvm"))) <= 1e-10 * max(1, cvm))
            } else {
                let chi = try #require(feature.score(.chiSquare))
                #expect(abs(chi.value - (try NumpyOracle.double(oracle, "chi2"))) <= 1e-9 * max(1, chi.value))
                #expect(abs(try #require(chi.pvalue) - (try NumpyOracle.double(oracle, "chi2_pvalue"))) <= 1e-12)
            }
        }
        if let device = fromJSONL.report.features.first(where: { $0.name == "device" }) {
            #expect(abs(device.newCategoryRatio - 0.3) < 0.05)
        }
        let gappy = try #require(fromJSONL.report.features.first { $0.name == "gappy" })
        #expect(abs(gappy.missingRatio - 0.15) < 0.03)

        // The JSON contract parses and carries the fields the issue names.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(fromJSONL.json().utf8)) as? [String: Any])
        #expect(object["reference_rows"] as? Int == 3_000)
        let features = try #require(object["features"] as? [[String: Any]])
        let shifted = try #require(features.first { $0["name"] as? String == "shifted" })
        #expect(shifted["drifted"] as? Bool == true)
        let tests = try #require(shifted["tests"] as? [String: Any])
        #expect(Set(tests.keys).isSuperset(of: ["psi", "ks", "wasserstein", "jensenshannon"]))
        #expect(object["multivariate"] is [String: Any])
    }
}
