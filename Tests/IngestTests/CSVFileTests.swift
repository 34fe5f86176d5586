import DriftMonitor
import Foundation
import Ingest
import Testing

@Suite("CSV files")
struct CSVFileTests {
    func write(_ text: String, name: String = "data.csv") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("Quoted fields, CRLF, a BOM, empty fields and reserved columns")
    func rfc4180() throws {
        let text = "\u{FEFF}amount,\"device, kind\",model,note\r\n"
            + "1.5,\"phone \"\"X\"\"\",m,a\r\n"
            + "\r\n"
            + ",tablet,m,\"two\nlines\"\r\n"
            + "-2e3,,m,\r\n"
            + "inf,\"phone \"\"X\"\"\",m,b"
        let file = try CSVFile(path: try write(text))
        let features = try file.inferSchema()
        #expect(features == [
            Feature(name: "amount", kind: .numeric), Feature(name: "device, kind", kind: .categorical),
            Feature(name: "note", kind: .categorical),
        ])
        let contents = try file.read(features: features)
        #expect(contents.invalid.isEmpty)
        #expect(contents.batch.count == 4)
        let amounts = contents.batch.numeric[0]
        // "inf" is a number (the column stays numeric) but not a finite one: missing in the profile.
        #expect(amounts[0] == 1.5 && amounts[1].isNaN && amounts[2] == -2000 && amounts[3].isNaN)
        let devices = contents.batch.categorical[0]
        #expect(devices[0] == devices[3] && devices[0] >= 0 && devices[2] == -1)
        #expect(contents.dictionaries[0].name(of: devices[0]) == "phone \"X\"")
        #expect(contents.dictionaries[1].name(of: contents.batch.categorical[1][1]) == "two\nlines")
    }

    @Test("Malformed rows are listed by line and the rest of the file is kept")
    func malformedRows() throws {
        let text = "x,c\n1,a\n2,b,extra\n3,\"b\"junk\n4,c\n5,\"unterminated\n"
        let file = try CSVFile(path: try write(text))
        let contents = try file.read(features: [Feature(name: "x", kind: .numeric), Feature(name: "c", kind: .categorical)])
        #expect(contents.batch.numeric[0] == [1, 4])
        #expect(contents.invalid.map(\.line) == [3, 4, 6])
        #expect(contents.invalid.allSatisfy { $0.error.reason == .malformedCSV })
    }

    @Test("A column with a word in it is categorical; a missing column is a clear error")
    func schema() throws {
        let file = try CSVFile(path: try write("a,b\n1,2\n3,n/a\n"))
        #expect(try file.inferSchema() == [Feature(name: "a", kind: .numeric), Feature(name: "b", kind: .categorical)])
        #expect(throws: ReadError.self) { try file.read(features: [Feature(name: "zzz", kind: .numeric)]) }
        #expect(throws: ReadError.self) { try CSVFile(path: "/nonexistent/file.csv") }
    }

    @Test("A repeated column name is read from its first column (the fuzzer found it out of range)")
    func repeatedColumns() throws {
        let file = CSVFile(contents: Data("x,y,x\n1,a,9\n2,b,8\n".utf8), name: "mem.csv")
        let features = try file.inferSchema()
        #expect(features == [Feature(name: "x", kind: .numeric), Feature(name: "y", kind: .categorical)])
        #expect(try file.read(features: features).batch.numeric[0] == [1, 2])
        let error = #expect(throws: ReadError.self) { try file.read(features: features + [features[0]]) }
        #expect(error?.description == "mem.csv: a feature is listed twice")
    }
}
