/// Decodes `Decodable` values from a composed ``YAMLNode``, with YAML's plain scalars read as
/// numbers and booleans where the type asks for one: `1_000` and `0x10` are integers, `.inf`
/// is a number, `yes` and `on` are true (YAML 1.1, as Yams read them).
///
/// A wrong type throws `DecodingError.typeMismatch` with the type that was expected (for a
/// collection where a scalar belongs, ``YAMLNode/Scalar``), so the caller can say what it
/// found there.
struct YAMLNodeDecoder: Decoder {
    let node: YAMLNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: YAMLNode, codingPath: [any CodingKey] = []) {
        self.node = node
        self.codingPath = codingPath
    }

    static func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode) throws -> T {
        try YAMLNodeDecoder(node: node).decode(type)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else { throw mismatch(YAMLNode.Mapping.self) }
        return KeyedDecodingContainer(KeyedContainer<Key>(mapping: mapping, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else { throw mismatch(YAMLNode.Sequence.self) }
        return UnkeyedContainer(sequence: sequence, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func mismatch(_ expected: Any.Type) -> DecodingError {
        let found: String =
            switch node {
            case .scalar(let scalar): "the scalar '\(scalar.string.prefix(40))'"
            case .sequence: "a sequence"
            case .mapping: "a mapping"
            }
        return .typeMismatch(expected, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(found)"))
    }

    func child(_ node: YAMLNode, _ key: any CodingKey) -> YAMLNodeDecoder {
        YAMLNodeDecoder(node: node, codingPath: codingPath + [key])
    }

    private func scalar() throws -> YAMLNode.Scalar {
        guard case .scalar(let scalar) = node else { throw mismatch(YAMLNode.Scalar.self) }
        return scalar
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let text = try scalar().string
        guard let value = Self.integer(text, as: type) else { throw mismatch(type) }
        return value
    }

    private func floatingPoint<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type) throws -> T {
        let text = try scalar().string
        guard let value = Self.floatingPoint(text, as: type) else { throw mismatch(type) }
        return value
    }

    /// Digits with an optional sign, or `0x` / `0o` digits; `_` between digits is ignored.
    static func integer<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> T? {
        var digits = Substring(text.filter { $0 != "_" })
        guard text.first != "_", text.last != "_" else { return nil }
        var sign = ""
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        }
        guard let first = digits.first, first != "+", first != "-" else { return nil }
        return T(sign + digits, radix: radix)
    }

    /// A decimal number with optional fraction and exponent, an integer, or `.inf`, `-.inf`, `.nan`.
    static func floatingPoint<T: BinaryFloatingPoint & LosslessStringConvertible>(_ text: String, as type: T.Type) -> T? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        if let integer = integer(text, as: Int64.self) { return T(integer) }
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var mantissa = digits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        guard index == bytes.count else { return nil }
        // Swift's parser wants a digit before the point.
        var normalized = text
        if let point = normalized.firstIndex(of: "."), point == normalized.startIndex || !normalized[normalized.index(before: point)].isNumber {
            normalized.insert("0", at: point)
        }
        return T(normalized)
    }
}

extension YAMLNodeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool {
        if case .scalar(let scalar) = node { scalar.isNull } else { false }
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch try scalar().string {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": false
        default: throw mismatch(type)
        }
    }

    func decode(_ type: String.Type) throws -> String { try scalar().string }
    func decode(_ type: Double.Type) throws -> Double { try floatingPoint(type) }
    func decode(_ type: Float.Type) throws -> Float { try floatingPoint(type) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }
}

extension YAMLNodeDecoder {
    /// A mapping's values by key, indexed once: looking each key up in the pairs would make a
    /// mapping of n keys take n² steps.
    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let mapping: YAMLNode.Mapping
        let codingPath: [any CodingKey]
        private let index: [String: Int]

        init(mapping: YAMLNode.Mapping, codingPath: [any CodingKey]) {
            self.mapping = mapping
            self.codingPath = codingPath
            var index: [String: Int] = [:]
            index.reserveCapacity(mapping.count)
            for (position, pair) in mapping.pairs.enumerated() {
                if let key = pair.key.string { index[key] = position }
            }
            self.index = index
        }

        var allKeys: [Key] { mapping.pairs.compactMap { $0.key.string.flatMap(Key.init(stringValue:)) } }

        func contains(_ key: Key) -> Bool { index[key.stringValue] != nil }

        private func decoder(for key: Key) throws -> YAMLNodeDecoder {
            guard let position = index[key.stringValue] else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: codingPath, debugDescription: "no value for key '\(key.stringValue)'"))
            }
            return YAMLNodeDecoder(node: mapping.pairs[position].value, codingPath: codingPath + [key])
        }

        func decodeNil(forKey key: Key) throws -> Bool { try decoder(for: key).decodeNil() }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(for: key).decode(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder(for: key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder(for: key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            YAMLNodeDecoder(node: .mapping(mapping), codingPath: codingPath)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let sequence: YAMLNode.Sequence
        let codingPath: [any CodingKey]
        private(set) var currentIndex = 0

        init(sequence: YAMLNode.Sequence, codingPath: [any CodingKey]) {
            self.sequence = sequence
            self.codingPath = codingPath
        }

        var count: Int? { sequence.count }
        var isAtEnd: Bool { currentIndex >= sequence.count }

        private struct Position: CodingKey {
            var intValue: Int?
            var stringValue: String { "\(intValue ?? 0)" }
            init(intValue: Int) { self.intValue = intValue }
            init?(stringValue: String) { nil }
        }

        private mutating func next(_ type: Any.Type) throws -> YAMLNodeDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    type, .init(codingPath: codingPath + [Position(intValue: currentIndex)], debugDescription: "the list has no more elements"))
            }
            defer { currentIndex += 1 }
            return YAMLNodeDecoder(node: sequence[currentIndex], codingPath: codingPath + [Position(intValue: currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, case .scalar(let scalar) = sequence[currentIndex], scalar.isNull else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type).decode(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next(YAMLNode.Mapping.self).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next(YAMLNode.Sequence.self).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { try next(YAMLNode.self) }
    }
}
