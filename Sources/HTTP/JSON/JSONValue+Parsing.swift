#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a document is not JSON, and at which byte.
package struct JSONParseError: Error, Equatable, CustomStringConvertible {
    package let offset: Int
    package let reason: String
    package var description: String { "not JSON at byte \(offset): \(reason)" }

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

extension JSONValue {
    /// Nesting deeper than this is refused: the parser recurses once per level.
    package static let maximumDepth = 256

    /// Parses one JSON document (RFC 8259): whitespace may surround it, nothing may follow.
    /// Strings must be valid UTF-8; a number is read as a `Double`, and one beyond its range is
    /// refused. Duplicate keys keep the last.
    package init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        let buffer = Array(bytes)
        var parser = Parser(bytes: buffer)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == buffer.count else { throw parser.error("unexpected data after the document") }
        self = value
    }

    private struct Parser {
        let bytes: [UInt8]
        var offset = 0

        func error(_ reason: String) -> JSONParseError { JSONParseError(offset: offset, reason: reason) }

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
        }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
            let count = literal.utf8CodeUnitCount
            guard offset + count <= bytes.count,
                literal.withUTF8Buffer({ $0.elementsEqual(bytes[offset..<offset + count]) })
            else { throw error("expected \(literal)") }
            offset += count
            return value
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth < JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth) levels") }
            guard let byte = current else { throw error("unexpected end") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected byte 0x\(String(byte, radix: 16))")
            }
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            offset += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
                offset += 1
                skipWhitespace()
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "}"):
                    offset += 1
                    return .object(members)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            offset += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                offset += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "]"):
                    offset += 1
                    return .array(elements)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func string() throws(JSONParseError) -> String {
            let start = offset
            offset += 1
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else {
                    offset = start
                    throw error("a string without its closing quote")
                }
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else {
                        offset = start
                        throw error("a string that is not UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    try escape(into: &utf8)
                case ..<0x20:
                    offset -= 1
                    throw error("a control character in a string")
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func escape(into utf8: inout [UInt8]) throws(JSONParseError) {
            guard let byte = current else { throw error("an escape at the end") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw error("a lone high surrogate")
                    }
                    offset += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("a high surrogate without its low one") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("a lone low surrogate") }
                utf8.append(contentsOf: String(Character(unicode)).utf8)
            default:
                offset -= 1
                throw error("an unknown escape")
            }
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw error("a \\u escape cut short") }
            var value: UInt32 = 0
            for byte in bytes[offset..<offset + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("a \\u escape with a non-hex digit")
                }
                value = value << 4 | UInt32(digit)
            }
            offset += 4
            return value
        }

        /// RFC 8259's number grammar, checked before `strtod` reads it (which would take more).
        mutating func number() throws(JSONParseError) -> Double {
            let start = offset
            func digits(_ parser: inout Parser) -> Int {
                let first = parser.offset
                while let byte = parser.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { parser.offset += 1 }
                return parser.offset - first
            }
            if current == UInt8(ascii: "-") { offset += 1 }
            if current == UInt8(ascii: "0") {
                offset += 1
            } else if digits(&self) == 0 {
                throw error("a number without digits")
            }
            if current == UInt8(ascii: ".") {
                offset += 1
                guard digits(&self) > 0 else { throw error("a number without digits after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                offset += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard digits(&self) > 0 else { throw error("a number without digits in its exponent") }
            }
            var text = Array(bytes[start..<offset])
            text.append(0)
            let value = text.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { strtod($0, nil) }
            }
            // strtod makes 1e400 infinity, which would be written back as null: refused, as Go's
            // encoding/json (the API server's) refuses it.
            guard value.isFinite else { throw JSONParseError(offset: start, reason: "a number beyond a double's range") }
            return value
        }
    }
}
