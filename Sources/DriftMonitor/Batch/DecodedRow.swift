/// One record's feature values, by ``FeatureSpace`` slot kind index, as a decoder leaves them.
///
/// Reused for every record: ``reset()`` marks everything missing without allocating.
public struct DecodedRow: Sendable {
    /// Numeric values; NaN = missing or unusable (never NaN or infinite from the data: see ``nonFinite``).
    public var numeric: [Double]
    /// Category codes; -1 = missing or unusable.
    public var categorical: [Int32]
    /// Vector features' values side by side (``FeatureSpace/vectorOffsets``).
    public var vectors: [Double]
    /// Per vector feature, the values read so far: a vector is present when this equals its
    /// dimension, and missing otherwise.
    public var vectorLengths: [Int]
    public let vectorOffsets: [Int]
    public let vectorDimensions: [Int]
    /// The slot of each vector feature, for its type mismatches.
    public let vectorSlots: [Int]
    /// Slots (in ``FeatureSpace/features``) whose value had the wrong JSON type.
    public var typeMismatches: [Int] = []
    /// Slots whose value was NaN or infinite; the value is left missing.
    public var nonFinite: [Int] = []
    /// The model named by the record, as bytes into the decoder's input; empty if none.
    public var model: Range<Int> = 0..<0
    /// The record's request id, as bytes into the decoder's input; empty if none.
    public var requestID: Range<Int> = 0..<0
    /// The record's segment (its `segment_by` field), as bytes into the decoder's input; empty if none.
    public var segment: Range<Int> = 0..<0
    /// Fields that are neither a feature of the space, nor ignored, nor record metadata.
    public var unknownFields = 0
    /// The first of them, as the bytes of its name in the decoder's input.
    public var firstUnknownField: Range<Int> = 0..<0
    /// Event time in milliseconds since the epoch, if the record had one.
    public var timestampMilliseconds: Int64?
    /// The model's prediction and the true label (``JSONFields/prediction`` and
    /// ``JSONFields/label``, an InferenceLog's `predictions` entry and `label`), as bytes into
    /// the decoder's input: a string's characters or a JSON number's text; empty if none.
    public var prediction: Range<Int> = 0..<0
    public var label: Range<Int> = 0..<0
    /// The prediction and the label when they were numbers (a flag is 1 or 0), parsed once by the decoder.
    public var predictionNumber: Double?
    public var labelNumber: Double?

    public init(space: FeatureSpace) {
        numeric = [Double](repeating: .nan, count: space.numericCount)
        categorical = [Int32](repeating: -1, count: space.categoricalCount)
        vectors = [Double](repeating: 0, count: space.vectorDimensions.reduce(0, +))
        vectorLengths = [Int](repeating: 0, count: space.vectorCount)
        vectorOffsets = space.vectorOffsets
        vectorDimensions = space.vectorDimensions
        vectorSlots = space.features.indices.filter { space.features[$0].kind == .vector }
        typeMismatches.reserveCapacity(8)
        nonFinite.reserveCapacity(8)
    }

    public mutating func reset() {
        for i in numeric.indices { numeric[i] = .nan }
        for i in categorical.indices { categorical[i] = -1 }
        for i in vectorLengths.indices { vectorLengths[i] = 0 }
        typeMismatches.removeAll(keepingCapacity: true)
        nonFinite.removeAll(keepingCapacity: true)
        model = 0..<0
        requestID = 0..<0
        segment = 0..<0
        unknownFields = 0
        firstUnknownField = 0..<0
        timestampMilliseconds = nil
        prediction = 0..<0
        label = 0..<0
        predictionNumber = nil
        labelNumber = nil
    }

    /// Sets a numeric value; NaN and infinities are counted in ``nonFinite`` and left missing,
    /// so that histograms and moments only ever see finite numbers.
    @inlinable
    public mutating func set(number: Double, index: Int, slot: Int) {
        if number.isFinite {
            numeric[index] = number
        } else {
            numeric[index] = .nan
            nonFinite.append(slot)
        }
    }

    /// Whether vector feature `index` has all its values.
    @inlinable
    public func hasVector(_ index: Int) -> Bool { vectorLengths[index] == vectorDimensions[index] }

    /// Appends the next value of vector feature `index`; one value too many spoils the vector
    /// (a type mismatch once the row is finished).
    @inlinable
    public mutating func appendVectorValue(_ value: Double, index: Int) {
        let length = vectorLengths[index]
        guard length < vectorDimensions[index] else { return spoilVector(index) }
        vectors[vectorOffsets[index] + length] = value
        vectorLengths[index] = length + 1
    }

    /// Marks vector feature `index` as having a value of the wrong type or length.
    @inlinable
    public mutating func spoilVector(_ index: Int) {
        vectorLengths[index] = vectorDimensions[index] + 1
    }

    /// Settles the vectors once a record is decoded: one of the wrong length is a type
    /// mismatch, one with NaN or an infinity is non-finite; both are then missing.
    public mutating func finishVectors() {
        for i in vectorLengths.indices where vectorLengths[i] > 0 {
            if vectorLengths[i] != vectorDimensions[i] {
                typeMismatches.append(vectorSlots[i])
                vectorLengths[i] = 0
                continue
            }
            let start = vectorOffsets[i]
            if !vectors[start..<(start + vectorDimensions[i])].allSatisfy(\.isFinite) {
                nonFinite.append(vectorSlots[i])
                vectorLengths[i] = 0
            }
        }
    }

    /// Notes a field outside the schema, keeping the first one's name.
    @inlinable
    public mutating func noteUnknownField(_ name: Range<Int>) {
        if unknownFields == 0 { firstUnknownField = name }
        unknownFields += 1
    }
}
