/// One record's feature values, by ``FeatureSpace`` slot kind index, as a decoder leaves them.
///
/// Reused for every record: ``reset()`` marks everything missing without allocating.
public struct DecodedRow: Sendable {
    /// Numeric values; NaN = missing or unusable.
    public var numeric: [Double]
    /// Category codes; -1 = missing or unusable.
    public var categorical: [Int32]
    /// Slots (in ``FeatureSpace/features``) whose value had the wrong JSON type.
    public var typeMismatches: [Int] = []
    /// The model named by the record, as bytes into the decoder's input; empty if none.
    public var model: Range<Int> = 0..<0
    /// Event time in milliseconds since the epoch, if the record had one.
    public var timestampMilliseconds: Int64?

    public init(space: FeatureSpace) {
        numeric = [Double](repeating: .nan, count: space.numericCount)
        categorical = [Int32](repeating: -1, count: space.categoricalCount)
        typeMismatches.reserveCapacity(8)
    }

    public mutating func reset() {
        for i in numeric.indices { numeric[i] = .nan }
        for i in categorical.indices { categorical[i] = -1 }
        typeMismatches.removeAll(keepingCapacity: true)
        model = 0..<0
        timestampMilliseconds = nil
    }
}
