#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only JSON tokenizer over bytes, strict about the grammar (RFC 8259), that
/// hands out byte ranges instead of allocating strings.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    let maximumDepth: Int
    private(set) var depth = 0

    /// A string's bytes between its quotes, still escaped.
    struct StringToken {
        var range: Range<Int>
        var hasEscapes: Bool
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { position >= bytes.count }

    @inline(__always)
    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    func error(_ reason: DecodeError.Reason, _ detail: String) -> DecodeError {
        DecodeError(reason, at: position, detail)
    }

    mutating func enter() throws(DecodeError) {
        depth += 1
        if depth > maximumDepth { throw error(.tooDeep, "nested deeper than \(maximumDepth) levels") }
    }

    mutating func leave() { depth -= 1 }

    /// Walks the members of the object at the scanner (at its `{`): `body` gets each key with
    /// the scanner at the value, and must consume the value.
    mutating func members(_ body: (StringToken, inout JSONScanner) throws(DecodeError) -> Void) throws(DecodeError) {
        try enter()
        position += 1
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            leave()
            return
        }
        while true {
            skipWhitespace()
            let key = try string()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw error(.malformedJSON, "expected ':' after a key") }
            skipWhitespace()
            try body(key, &self)
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) { break }
            throw error(.malformedJSON, atEnd ? "the record ends inside an object" : "expected ',' or '}'")
        }
        leave()
    }

    /// Walks the elements of the array at the scanner (at its `[`): `body` gets each index with
    /// the scanner at the element, and must consume it.
    mutating func elements(_ body: (Int, inout JSONScanner) throws(DecodeError) -> Void) throws(DecodeError) {
        try enter()
        position += 1
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            leave()
            return
        }
        var index = 0
        while true {
            skipWhitespace()
            try body(index, &self)
            index += 1
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { break }
            throw error(.malformedJSON, atEnd ? "the record ends inside an array" : "expected ',' or ']'")
        }
        leave()
    }

    static func typeName(of first: UInt8) -> String {
        switch first {
        case UInt8(ascii: "["): "array"
        case UInt8(ascii: "\""): "string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "boolean"
        case UInt8(ascii: "n"): "null"
        default: "number"
        }
    }

    /// True if the token is exactly `literal` (no escapes).
    func matches(_ token: StringToken, _ literal: StaticString) -> Bool {
        guard !token.hasEscapes, token.range.count == literal.utf8CodeUnitCount else { return false }
        let base = literal.utf8Start
        for i in 0..<token.range.count where bytes[token.range.lowerBound + i] != base[i] { return false }
        return true
    }

    // MARK: - Tokens

    /// A string; the scanner must be at its opening quote.
    mutating func string() throws(DecodeError) -> StringToken {
        guard consume(UInt8(ascii: "\"")) else {
            throw error(.malformedJSON, atEnd ? "the record ends where a string should start" : "expected a string")
        }
        let start = position
        var escapes = false
        while true {
            // Eight bytes at a time up to the next quote, backslash or control byte.
            while position + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt64.self))
                let special = Self.specialBytes(word)
                if special != 0 {
                    position += special.trailingZeroBitCount >> 3
                    break
                }
                position += 8
            }
            guard position < bytes.count else { break }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return StringToken(range: start..<(position - 1), hasEscapes: escapes)
            }
            if byte == UInt8(ascii: "\\") {
                escapes = true
                position += 1
                guard position < bytes.count else { break }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    guard position + 4 < bytes.count, (1...4).allSatisfy({ Self.hexValue(bytes[position + $0]) != nil }) else {
                        throw error(.malformedJSON, "bad \\u escape")
                    }
                    position += 5
                default:
                    throw error(.malformedJSON, "bad escape in a string")
                }
                continue
            }
            if byte < 0x20 { throw error(.malformedJSON, "control character inside a string") }
            position += 1
        }
        throw error(.malformedJSON, "the record ends inside a string")
    }

    /// The high bit of each byte of `word` that is `"`, `\` or below 0x20, exact up to the
    /// lowest such byte (a borrow can mark bytes above it).
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        return zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) | ((word &- ones &* 0x20) & ~word & highs)
    }

    /// A number, as the closest double; also `NaN`, `Infinity` and `-Infinity`.
    @inline(__always)
    mutating func number() throws(DecodeError) -> Double {
        if let value = shortDecimal() { return value }
        return try anyNumber()
    }

    /// The common case in one tight pass: `-?(0|[1-9][0-9]*)(.[0-9]+)?` with at most 15 digits
    /// and no exponent, exact in a double, so one division by a power of ten rounds correctly
    /// (Clinger). Anything else returns nil with the scanner unmoved, for ``anyNumber()``.
    @inline(__always)
    private mutating func shortDecimal() -> Double? {
        let base = bytes.baseAddress!
        let end = bytes.count
        var p = position
        guard p < end else { return nil }
        let negative = base[p] == UInt8(ascii: "-")
        if negative { p += 1 }
        guard p < end else { return nil }
        var digit = base[p] &- 0x30
        guard digit < 10 else { return nil }
        var mantissa = UInt64(digit)
        var digits = 1
        p += 1
        if digit != 0 {
            while p < end {
                digit = base[p] &- 0x30
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits += 1
                p += 1
            }
        }
        var fraction = 0
        if p < end && base[p] == UInt8(ascii: ".") {
            p += 1
            let start = p
            while p < end {
                digit = base[p] &- 0x30
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                p += 1
            }
            fraction = p - start
            guard fraction > 0 else { return nil }
        }
        guard digits + fraction <= 15 else { return nil }
        if p < end && base[p] | 0x20 == UInt8(ascii: "e") { return nil }
        position = p
        let value = Double(mantissa) / Self.powersOfTen[fraction]
        return negative ? -value : value
    }

    /// Any JSON number, and `NaN`, `Infinity` and `-Infinity`.
    private mutating func anyNumber() throws(DecodeError) -> Double {
        let start = position
        var negative = false
        if consume(UInt8(ascii: "-")) { negative = true }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var exact = true
        guard let first = peek(), first >= 0x30 && first <= 0x39 else {
            // Python's json module writes NaN, Infinity and -Infinity unless told not to.
            if literal("Infinity") { return negative ? -.infinity : .infinity }
            if !negative && literal("NaN") { return .nan }
            throw error(.malformedJSON, "expected a digit")
        }
        if first == 0x30 {
            position += 1
        } else {
            while let byte = peek(), byte >= 0x30 && byte <= 0x39 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte - 0x30)
                    if mantissa != 0 { digits += 1 }
                } else {
                    exponent += 1
                    exact = false
                }
                position += 1
            }
        }
        if consume(UInt8(ascii: ".")) {
            guard let byte = peek(), byte >= 0x30 && byte <= 0x39 else { throw error(.malformedJSON, "expected a digit after '.'") }
            // Eight digits at a time once the first significant digit is in (SWAR, as simdjson),
            // while there are eight; then one at a time.
            while mantissa != 0 && digits <= 11 && position + 8 <= bytes.count,
                let eight = Self.eightDigits(UnsafeRawPointer(bytes.baseAddress! + position))
            {
                mantissa = mantissa &* 100_000_000 &+ eight
                digits += 8
                exponent -= 8
                position += 8
            }
            while true {
                guard let byte = peek(), byte >= 0x30 && byte <= 0x39 else { break }
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte - 0x30)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else if byte != 0x30 {
                    exact = false
                }
                position += 1
            }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            var exponentNegative = false
            if consume(UInt8(ascii: "-")) { exponentNegative = true } else { _ = consume(UInt8(ascii: "+")) }
            guard let digit = peek(), digit >= 0x30 && digit <= 0x39 else { throw error(.malformedJSON, "expected an exponent") }
            var value = 0
            while let digit = peek(), digit >= 0x30 && digit <= 0x39 {
                if value < 100_000 { value = value * 10 + Int(digit - 0x30) }
                position += 1
            }
            exponent += exponentNegative ? -value : value
        }
        // Clinger's fast path: both operands exact in a double, one correctly rounded operation.
        if exact && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / Self.powersOfTen[-exponent] : value * Self.powersOfTen[exponent]
            return negative ? -value : value
        }
        // 16 to 19 significant digits with a decimal point (what shortest round-trip printers such
        // as Python's repr write): one exact integer division.
        if exact && mantissa != 0 && exponent < 0 && exponent >= -19 {
            let value = Self.dividing(mantissa, byPowerOfTen: -exponent)
            return negative ? -value : value
        }
        return slowNumber(start..<position)
    }

    /// The value of eight ASCII digits at `pointer`, or nil if any byte is not a digit.
    @inline(__always)
    static func eightDigits(_ pointer: UnsafeRawPointer) -> UInt64? {
        let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
        // Every byte 0x30...0x39: high nibble 3, and adding 6 does not carry into it.
        let check = (word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
        guard check == 0x3333_3333_3333_3333 else { return nil }
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        let hundredsAndMillions: UInt64 = 100 + (1_000_000 << 32)
        let onesAndTenThousands: UInt64 = 1 + (10_000 << 32)
        var value = word &- 0x3030_3030_3030_3030
        value = (value &* 10) &+ (value >> 8)  // pairs of digits
        let even = (value & mask) &* hundredsAndMillions
        let odd = ((value >> 16) & mask) &* onesAndTenThousands
        return (even &+ odd) >> 32
    }

    // Literals, so that the tables are static data rather than lazily built on first use (which
    // costs a swift_once check at every read).
    private static let integerPowersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ]

    /// `m / 10^k` correctly rounded, for `1 <= k <= 19`: `m` is normalised to a full 64-bit
    /// word and divided by hardware 128-by-64-bit divisions, so the quotient keeps at least 63
    /// significant bits; the bits dropped and the remainder become a sticky bit, and the one
    /// integer-to-double conversion rounds to nearest even. Scaling by a power of two is exact.
    static func dividing(_ m: UInt64, byPowerOfTen k: Int) -> Double {
        let divisor = integerPowersOfTen[k]
        let shift = m.leadingZeroBitCount
        let normalised = m << UInt64(shift)
        // normalised * 2^64 / divisor = high * 2^64 + low (high < 2^60 as divisor >= 10).
        let high = normalised / divisor
        let (low, remainder) = divisor.dividingFullWidth((high: normalised % divisor, low: 0))
        var top = low
        var scale = -64 - shift
        var sticky = remainder != 0
        if high != 0 {
            let lead = high.leadingZeroBitCount
            top = (high << UInt64(lead)) | (low >> UInt64(64 - lead))
            sticky = sticky || (low << UInt64(lead)) != 0
            scale += 64 - lead
        }
        let rounded = Double(top | (sticky ? 1 : 0))
        return Double(sign: .plus, exponent: scale, significand: rounded)
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// Correct rounding for long or extreme numbers through the C library.
    private func slowNumber(_ range: Range<Int>) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count + 1) { buffer in
            for (i, index) in range.enumerated() { buffer[i] = CChar(bitPattern: bytes[index]) }
            buffer[range.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    mutating func boolean() throws(DecodeError) -> Bool {
        if literal("true") { return true }
        if literal("false") { return false }
        throw error(.malformedJSON, "invalid literal")
    }

    mutating func null() throws(DecodeError) {
        guard literal("null") else { throw error(.malformedJSON, "invalid literal") }
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for i in 0..<count where bytes[position + i] != text.utf8Start[i] { return false }
        position += count
        return true
    }

    /// Skips any value, checking its grammar.
    /// Whether a value starting with `byte` is one ``number()`` reads: a digit, a minus sign,
    /// or `NaN` / `Infinity`, which Python's json module writes.
    static func startsNumber(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"): true
        default: false
        }
    }

    mutating func skipValue() throws(DecodeError) {
        guard let first = peek() else { throw error(.malformedJSON, "the record ends where a value should be") }
        switch first {
        case UInt8(ascii: "{"):
            try members { (_, scanner) throws(DecodeError) in try scanner.skipValue() }
        case UInt8(ascii: "["):
            try elements { (_, scanner) throws(DecodeError) in try scanner.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try boolean()
        case UInt8(ascii: "n"): try null()
        case let byte where JSONScanner.startsNumber(byte): _ = try number()
        default: throw error(.malformedJSON, "unexpected character '\(Unicode.Scalar(first))'")
        }
    }

    /// The unescaped bytes of a string token, appended to `buffer` (cleared first).
    func unescape(_ token: StringToken, into buffer: inout [UInt8]) throws(DecodeError) {
        buffer.removeAll(keepingCapacity: true)
        var i = token.range.lowerBound
        let end = token.range.upperBound
        while i < end {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "\\") else {
                buffer.append(byte)
                i += 1
                continue
            }
            let code = bytes[i + 1]
            i += 2
            switch code {
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 6 <= end, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw DecodeError(.invalidUTF8, at: i, "unpaired surrogate in a \\u escape")
                    }
                    let low = hex4(at: i + 2)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw DecodeError(.invalidUTF8, at: i, "unpaired surrogate in a \\u escape")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw DecodeError(.invalidUTF8, at: i, "unpaired surrogate in a \\u escape")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw DecodeError(.invalidUTF8, at: i, "invalid \\u escape") }
                buffer.append(contentsOf: UTF8.encode(unicode)!)
            default: buffer.append(code)
            }
        }
    }

    private func hex4(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value = value << 4 | UInt32(Self.hexValue(bytes[index + k]) ?? 0) }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
