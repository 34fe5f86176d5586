import DriftMonitor
import Testing

/// Category codes: dense and stable, and bounded in number and in bytes, so that a field of
/// huge or endless distinct values cannot grow the agent (issue 23: 300 distinct 1 MB values
/// once grew it by 615 MB).
@Suite("Category dictionary")
struct CategoryDictionaryTests {
    func code(_ dictionary: inout CategoryDictionary, _ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { dictionary.code(for: UnsafeRawBufferPointer($0)) }
    }

    @Test("Codes are dense and stable; names come back; invalid UTF-8 has no code")
    func codes() {
        var dictionary = CategoryDictionary()
        #expect(["b", "a", "b", "é", ""].map { code(&dictionary, $0) } == [0, 1, 0, 2, 3])
        #expect(dictionary.names == ["b", "a", "é", ""] && dictionary.name(of: 2) == "é")
        #expect(dictionary.name(of: dictionary.overflowCode) == CategoryDictionary.overflowName)
        let invalid: [UInt8] = [0xC3, 0x28]
        #expect(invalid.withUnsafeBytes { dictionary.code(for: $0) } == nil)
        #expect(dictionary.count == 4 && dictionary.valuesCut == 0)
    }

    @Test("A value over 256 bytes shares the overflow code and is not kept")
    func longValues() {
        var dictionary = CategoryDictionary()
        let megabyte = String(repeating: "x", count: 1 << 20)
        for index in 0..<300 {
            #expect(code(&dictionary, "\(index)" + megabyte) == dictionary.overflowCode)
        }
        #expect(code(&dictionary, String(repeating: "y", count: 256)) == 0)
        #expect(code(&dictionary, String(repeating: "y", count: 257)) == dictionary.overflowCode)
        #expect(dictionary.valuesCut == 301 && dictionary.count == 1 && dictionary.storedBytes == 256)
    }

    @Test("A feature keeps at most 256 KiB of values, and at most 4,096 values")
    func capacities() {
        var bytes = CategoryDictionary()
        // 1,028 values of 255 bytes fill 262,140 of the 262,144 bytes; the next one is cut.
        for index in 0..<1_028 {
            #expect(code(&bytes, String(format: index, width: 255)) == Int32(index))
        }
        #expect(code(&bytes, String(format: 1_028, width: 255)) == bytes.overflowCode)
        #expect(code(&bytes, "1") == 1_028, "a short value still fits")
        #expect(bytes.valuesCut == 1 && bytes.storedBytes == 262_141)

        var count = CategoryDictionary()
        for index in 0..<4_096 { #expect(code(&count, "\(index)") == Int32(index)) }
        #expect(code(&count, "4096") == count.overflowCode && count.valuesCut == 0)
    }
}

extension String {
    /// `number` in decimal, left-padded with zeros to `width` characters.
    fileprivate init(format number: Int, width: Int) {
        let digits = String(number)
        self = String(repeating: "0", count: width - digits.count) + digits
    }
}
