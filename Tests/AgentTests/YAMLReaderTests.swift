@testable import Agent
import Foundation
import HTTP
import TestSupport
import Testing

/// The configuration's YAML reader (libyaml's events composed into ``YAMLNode``, decoded by
/// ``YAMLNodeDecoder``) against PyYAML's pure-Python composer and resolver
/// (`Tests/Scripts/yaml_oracle.py`), an implementation independent of libyaml.
@Suite("YAML reader against PyYAML")
struct YAMLReaderTests {
    static let documents: [String] = [
        "a: 1\nb: [x, 'y z', \"q\\tr\"]\nc: {d: e, f: [1, 2]}\n",
        "# only a comment\n",
        "",
        "---\nkey: value\n...\n",
        "block: |\n  line one\n  line two\nfolded: >\n  folded\n  text\n\nkept: |+\n  end\n\n",
        "list:\n- a\n- - nested\n  - more\n- {k: v}\n-\n",
        "base: &base {window: 100, bins: 10}\nmodels:\n  - name: m\n    settings: *base\n  - name: n\n    settings: *base\n",
        "plain: multi\n  line plain\nempty:\nquoted: ''\ntilde: ~\n",
        "unicode: \"caf\\u00e9 \\U0001F600\"\nraw: café\n'quoted key': 1\n? complex\n: value\n",
        "tagged: !!str 123\nflow: [a, {b: c}, [d]]\nspaces:   trailing   \n",
        "deep:\n  a:\n    b:\n      c:\n        - d:\n            e: f\n",
    ]

    /// Our tree in the oracle's shape.
    static func tree(_ node: YAMLNode) -> JSONValue {
        let mark = node.mark ?? YAMLNode.Mark(line: 0, column: 0)
        let (line, column) = (JSONValue.number(Double(mark.line)), JSONValue.number(Double(mark.column)))
        switch node {
        case .scalar(let scalar): return ["scalar", .string(scalar.string), line, column]
        case .sequence(let sequence): return ["sequence", .array(sequence.elements.map(tree)), line, column]
        case .mapping(let mapping): return ["mapping", .array(mapping.pairs.map { [tree($0.key), tree($0.value)] }), line, column]
        }
    }

    /// Run off the cooperative pool, as every test's child process should be.
    static func oracle(_ command: String, input: String) async throws -> JSONValue {
        let arguments = ["python3", Repository.path("Tests/Scripts/yaml_oracle.py").path, command]
        let result = try await withTaskExecutorPreference(ThreadExecutor.blocking) { try ChildProcess.run(arguments, input: input) }
        try #require(result.status == 0, "yaml_oracle.py \(command): \(result.errors)")
        return try JSONValue(parsing: Array(result.output))
    }

    @Test("Documents compose to PyYAML's trees: scalars' text, structure, aliases expanded, every node's line and column", arguments: documents)
    func composesAsPyYAML(document: String) async throws {
        let expected = try await Self.oracle("compose", input: document)
        let node = try YAMLNode.compose(document)
        #expect((node.map(Self.tree) ?? .null) == expected["tree"], "\(document)")
    }

    @Test("The shipped configuration composes as PyYAML composes it")
    func shippedConfiguration() async throws {
        let text = try String(contentsOf: Repository.path("config/driftwatch.yaml"), encoding: .utf8)
        let expected = try await Self.oracle("compose", input: text)
        let node = try #require(try YAMLNode.compose(text))
        #expect(Self.tree(node) == expected["tree"])
    }

    @Test(
        "Documents PyYAML refuses are refused, naming a line",
        arguments: ["a: [1, 2\n", "a: b: c\n", "a: *missing\n", "- a\nb: c\n", "a: 'open\n", "a: 1\n---\nb: 2\n", "a: 1\na: 2\n"])
    func refusesAsPyYAML(document: String) async throws {
        let expected = try await Self.oracle("compose", input: document)
        // PyYAML composes a duplicate key (its constructor keeps the last); the reader refuses it.
        if document != "a: 1\na: 2\n" { #expect(expected["error"] != nil, "PyYAML took \(document)") }
        #expect(throws: YAMLError.self) { try YAMLNode.compose(document) }
        do {
            _ = try YAMLNode.compose(document)
        } catch {
            #expect(error.description.hasPrefix("line "), "\(error)")
        }
    }

    /// Plain scalars as PyYAML's resolver (YAML 1.1) reads them, where the reader agrees.
    static let scalars = [
        "0", "42", "-7", "+7", "1_000", "0x1F", "-0x10", "9223372036854775807", "1.5", "-2.25", ".5", "1.0e+3", "6.02e+23", "-1.5E-3",
        ".inf", "-.inf", ".Inf", ".nan", "true", "True", "TRUE", "false", "yes", "No", "on", "OFF", "~", "null", "Null", "",
        "text", "1.2.3", "12abc", "0x", "1e", "--1", "_1", "y", "n",
    ]

    @Test("Plain scalars decode as PyYAML resolves them: integers, numbers, booleans, null; other text only as a string")
    func scalarsResolveAsPyYAML() async throws {
        let input = JSONValue.array(Self.scalars.map(JSONValue.string)).text
        let resolved = try #require(try await Self.oracle("resolve", input: input)["resolved"]?.array)
        try #require(resolved.count == Self.scalars.count)
        for (text, resolution) in zip(Self.scalars, resolved) {
            let node = YAMLNode.scalar(.init(string: text, isPlain: true, mark: nil))
            let decoder = YAMLNodeDecoder(node: node)
            let kind = resolution.array?.first?.string
            let value = resolution.array?.dropFirst().first
            switch kind {
            case "int":
                // As digits: a JSON number would round 2⁶³ - 1.
                let digits = try #require(value?.string)
                #expect((try? decoder.decode(Int.self)) == Int(digits), "\(text)")
                #expect((try? decoder.decode(Double.self)) == Double(digits), "\(text)")
            case "float":
                let number = try decoder.decode(Double.self)
                switch value?.string {
                case "nan": #expect(number.isNaN, "\(text)")
                case "inf": #expect(number == .infinity, "\(text)")
                case "-inf": #expect(number == -.infinity, "\(text)")
                default: #expect(number == value?.number, "\(text)")
                }
                #expect(throws: DecodingError.self, "\(text) is not a whole number") { try decoder.decode(Int.self) }
            case "bool":
                #expect((try? decoder.decode(Bool.self)) == value?.bool, "\(text)")
            case "null":
                #expect(decoder.decodeNil(), "\(text)")
            default:
                #expect(throws: DecodingError.self, "\(text)") { try decoder.decode(Int.self) }
                #expect(throws: DecodingError.self, "\(text)") { try decoder.decode(Double.self) }
                #expect(throws: DecodingError.self, "\(text)") { try decoder.decode(Bool.self) }
                #expect(!decoder.decodeNil(), "\(text)")
            }
            #expect(try decoder.decode(String.self) == text)
        }
    }

    @Test("Where the reader departs from YAML 1.1 on purpose: exponents without a sign or point are numbers (YAML 1.2); no octal by a leading 0")
    func departuresFromYAML11() async throws {
        func decoder(_ text: String) -> YAMLNodeDecoder { YAMLNodeDecoder(node: .scalar(.init(string: text, isPlain: true, mark: nil))) }
        let resolved = try #require(try await Self.oracle("resolve", input: "[\"1e3\", \"017\", \"0o17\"]")["resolved"]?.array)
        #expect(resolved.map { $0.array?.first?.string } == ["str", "int", "str"])
        #expect(try decoder("1e3").decode(Double.self) == 1000)
        #expect(throws: DecodingError.self) { try decoder("1e3").decode(Int.self) }
        #expect(try decoder("017").decode(Int.self) == 17)  // PyYAML: 15
        #expect(try decoder("0o17").decode(Int.self) == 15)
    }

    @Test("Quoted and tagged scalars are never null; a quoted number is still read where a number is asked for, as Yams did")
    func quotingAndNull() throws {
        let node = try #require(try YAMLNode.compose("a: ''\nb: 'null'\nc: !!str ~\nd: \"5\"\ne:\n"))
        guard case .mapping(let mapping) = node else { Issue.record("not a mapping"); return }
        let decoders = mapping.pairs.map { YAMLNodeDecoder(node: $0.value) }
        #expect(decoders.map { $0.decodeNil() } == [false, false, false, false, true])
        #expect(try decoders[3].decode(Int.self) == 5)
    }
}

extension YAMLReaderTests {
    /// The shipped configuration with bytes flipped, cut, repeated and spliced: each ends in a
    /// configuration or a ``ConfigurationError``, never a crash (the process would end the test run).
    @Test("10,000 mutations of the shipped configuration each end in a configuration or an error that names the file")
    func mutatedConfigurations() async throws {
        // Seconds of debug-built work: off the cooperative pool.
        try await withTaskExecutorPreference(ThreadExecutor.blocking) { try Self.mutateConfigurations() }
    }

    static func mutateConfigurations() throws {
        let original = Array(try String(contentsOf: Repository.path("config/driftwatch.yaml"), encoding: .utf8).utf8)
        var generator = SystemRandomNumberGenerator()
        let mutation = ByteMutation(specials: "{}[]:-&*!|>'\"#%@`,?\n\t \\", highest: 127, longestCut: 40, longestRepeat: 30)
        var refused = 0
        for _ in 0..<10_000 {
            var bytes = mutation.apply(to: original, edits: 8, using: &generator)
            if bytes.isEmpty { bytes = [0x7B] }
            do {
                _ = try AgentConfiguration.parse(yaml: String(decoding: bytes, as: UTF8.self), name: "mutated.yaml", environment: ["DRIFTWATCH_X": "1"])
            } catch let error as ConfigurationError {
                #expect(error.description.hasPrefix("mutated.yaml"), "\(error)")
                refused += 1
            }
        }
        #expect(refused > 1_000, "most mutations break the file: \(refused) refused")
    }
}
