/// Random damage to a valid input, for tests that a parser of hostile input ends every case in
/// a value or an error: bytes replaced (by one of `specials`, or any byte up to `highest`), runs
/// cut out, runs repeated in place.
public struct ByteMutation {
    public var specials: [UInt8]
    public var highest: UInt8
    public var longestCut: Int
    public var longestRepeat: Int

    public init(specials: String, highest: UInt8 = 255, longestCut: Int = 20, longestRepeat: Int = 20) {
        self.specials = Array(specials.utf8)
        self.highest = highest
        self.longestCut = longestCut
        self.longestRepeat = longestRepeat
    }

    /// `original` with 1 to `edits` mutations.
    public func apply(to original: [UInt8], edits: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = original
        for _ in 0..<Int.random(in: 1...edits, using: &generator) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[at] = specials.randomElement(using: &generator)!
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...longestCut, using: &generator)))
            case 2: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + longestRepeat)], at: at)
            default: bytes[at] = UInt8.random(in: 0...highest, using: &generator)
            }
        }
        return bytes
    }
}
