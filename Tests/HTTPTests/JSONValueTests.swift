import Foundation
import HTTP
import TestSupport
import Testing

/// ``JSONValue``, the Foundation-free JSON of the admission webhook, the MLflow client and the
/// hook's events, against Python's json module (`Tests/Scripts/json_oracle.py`).
@Suite("JSONValue against Python's json")
struct JSONValueTests {
    static func oracle(_ arguments: [String], input: String = "") async throws -> JSONValue {
        let command = ["python3", Repository.path("Tests/Scripts/json_oracle.py").path] + arguments
        let result = try await withTaskExecutorPreference(ThreadExecutor.blocking) { try ChildProcess.run(command, input: input) }
        try #require(result.status == 0, "json_oracle.py \(arguments.first ?? ""): \(result.errors)")
        return try JSONValue(parsing: Array(result.output))
    }

    @Test("Documents Python writes parse, and what we write back loads in Python to the same value, keys sorted", arguments: [1, 2, 3])
    func roundTrip(seed: Int) async throws {
        let documents = try #require(try await Self.oracle(["generate", "\(seed)", "200"])["documents"]?.array?.compactMap(\.string))
        try #require(documents.count == 200)
        var pairs: [JSONValue] = []
        for document in documents {
            let value = try JSONValue(parsing: Array(document.utf8))
            // Writing and parsing again is the identity on what was parsed.
            #expect(try JSONValue(parsing: value.bytes) == value)
            pairs.append([.string(document), .string(value.text)])
        }
        let checked = try await Self.oracle(["check"], input: JSONValue.array(pairs).text)
        #expect(checked["mismatches"] == [], "documents Python reads differently: \(checked)")
    }

    static let invalid = [
        "", "{", "[1,]", "{\"a\":1,}", "{'a': 1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "tru", "nul", "\"abc", "\"a\u{01}b\"",
        "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "[1] 2", "{\"a\" 1}", "[NaN]", "[Infinity]", "{\"a\":}", "[\"a\" \"b\"]",
    ]

    @Test("What Python's json refuses is refused, with the byte offset")
    func refusesAsPython() async throws {
        let input = JSONValue.array(Self.invalid.map(JSONValue.string)).text
        let rejected = try #require(try await Self.oracle(["rejects"], input: input)["rejected"]?.array)
        // Python takes NaN and Infinity (an extension of its own); JSON does not.
        #expect(rejected.map(\.bool) == Self.invalid.map { $0 == "[NaN]" || $0 == "[Infinity]" ? false : true })
        for text in Self.invalid {
            #expect(throws: JSONParseError.self, "\(text)") { try JSONValue(parsing: Array(text.utf8)) }
        }
        #expect(throws: JSONParseError(offset: 3, reason: "expected ',' or ']' in an array")) { try JSONValue(parsing: Array("[1 2]".utf8)) }
    }

    @Test("Hostile input ends in an error, not a crash: deep nesting, bytes that are not UTF-8, lone surrogates")
    func hostile() throws {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONParseError(offset: JSONValue.maximumDepth, reason: "nested deeper than \(JSONValue.maximumDepth) levels")) {
            try JSONValue(parsing: deep)
        }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0xFE, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array("\"\\ud800\"".utf8)) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array("\"\\udc00\"".utf8)) }
        #expect(try JSONValue(parsing: Array("\"\\ud83d\\ude00\"".utf8)) == "😀")
        #expect(throws: JSONParseError(offset: 5, reason: "a number beyond a double's range")) { try JSONValue(parsing: Array("[1,2,-1e400]".utf8)) }
        #expect(try JSONValue(parsing: Array("[1e-400,1.7976931348623157e308]".utf8)) == [0, 1.7976931348623157e308])
        #expect(try JSONValue(parsing: Array(" {\"a\": [1, 2.5e3, -0, true, null]} ".utf8)) == ["a": [1, 2500, 0, true, nil]])
    }

    @Test("Numbers are written as JSON takes them: whole ones without a fraction, non-finite ones as null")
    func numbers() {
        let written: JSONValue = [1, 2.5, -0.0, 1e300, .number(.nan), .number(9_007_199_254_740_993)]
        #expect(written.text == "[1,2.5,0,1e+300,null,9007199254740992]")
    }
}

extension JSONValueTests {
    /// An AdmissionReview-shaped document with bytes flipped, cut and repeated: each parses or
    /// throws ``JSONParseError`` with an offset inside the input.
    @Test("20,000 mutations of a document each parse or are refused at an offset within them")
    func mutatedDocuments() throws {
        let original = Array(
            #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","object":{"metadata":{"name":"p","annotations":{"a/b":"\u00e9\ud83d\ude00"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":8080}],"x":[1.5e3,-0,true,false,null]}]}}}}"#.utf8)
        var generator = SystemRandomNumberGenerator()
        let mutation = ByteMutation(specials: "{}[]:,\"\\u0123456789.eE+-tfn ")
        var refused = 0
        for _ in 0..<20_000 {
            let bytes = mutation.apply(to: original, edits: 6, using: &generator)
            do {
                let value = try JSONValue(parsing: bytes)
                #expect(try JSONValue(parsing: value.bytes) == value, "\(String(decoding: bytes, as: UTF8.self))")
            } catch {
                #expect(error.offset <= bytes.count)
                refused += 1
            }
        }
        #expect(refused > 10_000, "most mutations break the document: \(refused) refused")
    }
}
