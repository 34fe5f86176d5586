/// How a model's records are cut into windows.
///
/// A window is made of panes of `slide` records or milliseconds; it is evaluated each time a
/// pane closes, over the last `size / slide` panes. With `slide == size` (the default) windows
/// are tumbling: one pane each.
public enum WindowSpec: Sendable, Hashable {
    /// Every `slide` records, the last `size` records.
    case records(size: Int, slide: Int)
    /// Windows `[k * slide, k * slide + size)` of event time (ms since the epoch). A pane closes
    /// once the newest event time seen is `lateness` past its end; a record for a closed pane is
    /// late: counted, not added.
    case eventTime(size: Int64, slide: Int64, lateness: Int64)

    public static func tumbling(records: Int) -> WindowSpec { .records(size: records, slide: records) }

    /// Panes per window.
    public var panes: Int {
        switch self {
        case .records(let size, let slide): max(1, size / max(1, slide))
        case .eventTime(let size, let slide, _): Int(max(1, size / max(1, slide)))
        }
    }

    /// The most panes a window may span: each holds a summary of O(features x bins).
    public static let maximumPanes = 360

    public func validate() throws(PolicyError) {
        switch self {
        case .records(let size, let slide):
            guard size >= 1 else { throw .invalid("window.records must be at least 1") }
            guard slide >= 1, slide <= size, size % slide == 0 else {
                throw .invalid("window.slide \(slide) must divide window.records \(size)")
            }
        case .eventTime(let size, let slide, let lateness):
            guard size >= 1 else { throw .invalid("window.duration must be at least 1ms") }
            guard slide >= 1, slide <= size, size % slide == 0 else {
                throw .invalid("window.slide \(slide)ms must divide window.duration \(size)ms")
            }
            guard lateness >= 0 else { throw .invalid("window.allowed_lateness must not be negative") }
        }
        guard panes <= Self.maximumPanes else {
            throw .invalid("a window of \(panes) slides is more than \(Self.maximumPanes); make the slide longer")
        }
    }
}

extension WindowSpec: CustomStringConvertible {
    public var description: String {
        switch self {
        case .records(let size, let slide) where size == slide: "\(size) records"
        case .records(let size, let slide): "\(size) records every \(slide)"
        case .eventTime(let size, let slide, let lateness):
            "\(size)ms of event time" + (slide == size ? "" : " every \(slide)ms") + ", \(lateness)ms allowed lateness"
        }
    }
}

/// The `window:` section of a model: `records` and an optional `slide`, or `duration`, an
/// optional `slide` and `allowed_lateness` (durations as `90s`, `5m`, `1h`, `250ms`).
public struct WindowSettings: Sendable, Hashable, Codable {
    public var records: Int?
    public var duration: String?
    public var slide: String?
    public var allowedLateness: String?

    public init(records: Int? = nil, duration: String? = nil, slide: String? = nil, allowedLateness: String? = nil) {
        self.records = records
        self.duration = duration
        self.slide = slide
        self.allowedLateness = allowedLateness
    }

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case records, duration, slide
        case allowedLateness = "allowed_lateness"
    }

    /// The windows these settings describe; `defaultRecords` when they name neither a count nor a duration.
    public func spec(defaultRecords: Int) throws(PolicyError) -> WindowSpec {
        let spec: WindowSpec
        switch (records, duration) {
        case (_?, _?):
            throw .invalid("window has both records and duration; choose one")
        case (let records?, nil):
            guard allowedLateness == nil else { throw .invalid("window.allowed_lateness applies to duration windows only") }
            let slide = try slide.map { text throws(PolicyError) in
                guard let count = Int(text) else { throw .invalid("window.slide '\(text)' is not a record count") }
                return count
            }
            spec = .records(size: records, slide: slide ?? records)
        case (nil, let duration?):
            let size = try Self.milliseconds(duration, key: "duration")
            spec = .eventTime(
                size: size, slide: try slide.map { text throws(PolicyError) in try Self.milliseconds(text, key: "slide") } ?? size,
                lateness: try allowedLateness.map { text throws(PolicyError) in try Self.milliseconds(text, key: "allowed_lateness") } ?? 0)
        case (nil, nil):
            guard slide == nil, allowedLateness == nil else { throw .invalid("window.slide needs window.records or window.duration") }
            spec = .tumbling(records: defaultRecords)
        }
        try spec.validate()
        return spec
    }

    /// `250ms`, `90s`, `5m`, `2h`, `1d`, or a bare number of seconds.
    package static func milliseconds(_ text: String, key: String) throws(PolicyError) -> Int64 {
        let units: [(suffix: String, scale: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        let trimmed = text.trimmingWhitespace()
        let unit = units.first { trimmed.hasSuffix($0.suffix) && Double(trimmed.dropLast($0.suffix.count)) != nil }
        let number = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let value = Double(number), value.isFinite, value >= 0, value * (unit?.scale ?? 1000) < 1e15 else {
            throw .invalid("window.\(key) '\(text)' is not a duration (like 250ms, 90s, 5m, 1h)")
        }
        return Int64((value * (unit?.scale ?? 1000)).rounded())
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
