/// LSD radix sort of doubles: 6 passes of 11 bits over keys whose unsigned order is the
/// numeric order, skipping digits that are the same in every key. Several times faster than
/// the standard library's merge sort on 100k values; O(n) extra memory.
public enum RadixSort {
    /// Sorts `values` ascending (NaN must be filtered out first; -0 sorts before +0).
    public static func sort(_ values: inout [Double]) {
        let n = values.count
        guard n > 64 else {
            values.sort()
            return
        }
        var keys = [UInt64](repeating: 0, count: n)
        var spare = [UInt64](repeating: 0, count: n)
        let bits = 11
        let radix = 1 << bits
        let mask = UInt64(radix - 1)
        let passes = (64 + bits - 1) / bits
        var counts = [Int](repeating: 0, count: passes * radix)
        values.withUnsafeBufferPointer { values in
            keys.withUnsafeMutableBufferPointer { keys in
                counts.withUnsafeMutableBufferPointer { counts in
                    for i in 0..<n {
                        let pattern = values[i].bitPattern
                        // Negative: flip all bits; positive: flip the sign bit.
                        let key = pattern & (1 << 63) != 0 ? ~pattern : pattern | (1 << 63)
                        keys[i] = key
                        for pass in 0..<passes { counts[pass * radix + Int((key >> UInt64(bits * pass)) & mask)] += 1 }
                    }
                }
            }
        }
        var source = keys
        var target = spare
        counts.withUnsafeMutableBufferPointer { counts in
            for pass in 0..<passes {
                let base = pass * radix
                // Every key has the same digit here: nothing to reorder.
                if (0..<radix).contains(where: { counts[base + $0] == n }) { continue }
                var offset = 0
                for digit in 0..<radix {
                    let count = counts[base + digit]
                    counts[base + digit] = offset
                    offset += count
                }
                let shift = UInt64(bits * pass)
                source.withUnsafeBufferPointer { source in
                    target.withUnsafeMutableBufferPointer { target in
                        for key in source {
                            let digit = base + Int((key >> shift) & mask)
                            target[counts[digit]] = key
                            counts[digit] += 1
                        }
                    }
                }
                swap(&source, &target)
            }
        }
        spare = []
        values.withUnsafeMutableBufferPointer { values in
            for i in 0..<n {
                let key = source[i]
                values[i] = Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
            }
        }
    }
}
