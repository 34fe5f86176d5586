/// Limits on a window's data quality. A window whose measure exceeds its check's limit
/// breaches, like a window with drifted features: data quality can page and ask for action
/// through the same state machine. No limit is set by default: quality is then measured and
/// exported, and does not move the state.
public struct QualityPolicy: Sendable, Hashable {
    public private(set) var limits: [QualityCheck: Double] = [:]

    public init(limits: [QualityCheck: Double] = [:]) {
        self.limits = limits
    }

    public subscript(check: QualityCheck) -> Double? {
        get { limits[check] }
        set { limits[check] = newValue }
    }

    public var isEmpty: Bool { limits.isEmpty }

    /// The breach of `check`, if `value` exceeds its limit.
    func breach(_ check: QualityCheck, feature: String? = nil, value: Double) -> QualityBreach? {
        guard let limit = limits[check], !value.isNaN, value > limit else { return nil }
        return QualityBreach(check: check, feature: feature, value: value, limit: limit)
    }

    func validate() throws(PolicyError) {
        for (check, limit) in limits.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard limit >= 0, limit.isFinite else { throw .invalid("quality.\(check.rawValue) must be a finite number >= 0") }
            if check.isShare && limit >= 1 {
                throw .invalid("quality.\(check.rawValue) is a share: a limit of \(limit) can never be exceeded")
            }
        }
    }
}

extension QualityPolicy: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// `check: limit` pairs; `constant: true` and `absent_features: true` mean a limit of 0
    /// (any occurrence breaches). An unknown check is an error naming the known ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            guard let check = QualityCheck(rawValue: key.stringValue) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "'\(key.stringValue)' is not a quality check (known: \(QualityCheck.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if let flag = try? container.decode(Bool.self, forKey: key) {
                if flag { limits[check] = 0 }
            } else {
                limits[check] = try container.decode(Double.self, forKey: key)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (check, limit) in limits.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try container.encode(limit, forKey: Key(stringValue: check.rawValue))
        }
    }
}
