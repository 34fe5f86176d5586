/// LSD radix sort of doubles: 5 passes of 13 bits over keys whose unsigned order is the
/// numeric order, skipping digits that are the same in every key. Several times faster than
/// the standard library's sort on 100k values; O(n) extra memory.
public enum RadixSort {
    static let bits = 13
    static let radix = 1 << bits
    static let passes = (64 + bits - 1) / bits
    static let mask = UInt64(radix - 1)

    /// Sorts `values` ascending, -0 before +0; NaN is dropped, which shortens the array.
    public static func sort(_ values: inout [Double]) {
        values = values.withUnsafeBufferPointer { sortedWithoutNaN($0) }
    }

    /// The values that are not NaN, ascending (-0 before +0).
    public static func sortedWithoutNaN(_ values: UnsafeBufferPointer<Double>) -> [Double] {
        guard values.count > 64 else {
            return values.filter { !$0.isNaN }.sorted { $0 < $1 || ($0 == $1 && $0.sign == .minus && $1.sign == .plus) }
        }
        // 32-bit counts keep two digits' 2 x 8,192 of them near the L1 cache.
        return values.count <= Int(UInt32.max) ? sorted(values, counter: UInt32.self) : sorted(values, counter: UInt64.self)
    }

    /// Every pass counts the next digit as it moves the keys, the first as it makes them (and
    /// filters NaN out), and the last writes the doubles back: each pass reads the keys once.
    private static func sorted<Counter: FixedWidthInteger & UnsignedInteger>(
        _ values: UnsafeBufferPointer<Double>, counter: Counter.Type
    ) -> [Double] {
        // Both halves of every pass in one buffer.
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * values.count)
        defer { buffer.deallocate() }
        let counts = UnsafeMutablePointer<Counter>.allocate(capacity: 2 * radix)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: 2 * radix)
        var n = 0
        for value in values where !value.isNaN {
            let pattern = value.bitPattern
            // Negative: flip all bits; positive: flip the sign bit.
            let key = pattern & (1 << 63) != 0 ? ~pattern : pattern | (1 << 63)
            buffer[n] = key
            counts[Int(key & mask)] += 1
            n += 1
        }
        // Every value was NaN: the passes below would read a key that was never written.
        guard n > 0 else { return [] }
        var source = buffer
        var target = buffer + values.count
        var current = counts
        var next = counts + radix
        for pass in 0..<passes {
            let shift = UInt64(bits * pass)
            let nextShift = UInt64(bits * (pass + 1))
            let last = pass == passes - 1
            next.update(repeating: 0, count: radix)
            // Every key has the same digit here: nothing to reorder.
            if current[digit(of: source[0], shift: shift)] == Counter(n) {
                if !last { for i in 0..<n { next[digit(of: source[i], shift: nextShift)] += 1 } }
                swap(&current, &next)
                continue
            }
            var offset: Counter = 0
            for digit in 0..<radix {
                let count = current[digit]
                current[digit] = offset
                offset += count
            }
            if last {
                return [Double](unsafeUninitializedCapacity: n) { sorted, count in
                    for i in 0..<n {
                        let key = source[i]
                        let digit = digit(of: key, shift: shift)
                        sorted[Int(current[digit])] = double(key)
                        current[digit] += 1
                    }
                    count = n
                }
            }
            for i in 0..<n {
                let key = source[i]
                let digit = digit(of: key, shift: shift)
                target[Int(current[digit])] = key
                current[digit] += 1
                next[Self.digit(of: key, shift: nextShift)] += 1
            }
            swap(&source, &target)
            swap(&current, &next)
        }
        // The last digit was the same in every key.
        return [Double](unsafeUninitializedCapacity: n) { sorted, count in
            for i in 0..<n { sorted[i] = double(source[i]) }
            count = n
        }
    }

    @inline(__always)
    private static func digit(of key: UInt64, shift: UInt64) -> Int {
        Int((key >> shift) & mask)
    }

    @inline(__always)
    private static func double(_ key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }
}
