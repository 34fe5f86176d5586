/// The text formats `/metrics` speaks, chosen from the scraper's Accept header.
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4, the default.
    case text
    /// OpenMetrics 1.0.0 text, which Prometheus asks for first.
    case openMetrics

    public var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format an Accept header prefers: the media range of highest q (ties go to the
    /// plain text format); OpenMetrics only in a version this agent writes.
    public init(accept: String?) {
        self = .text
        guard let accept else { return }
        var best = (format: ExpositionFormat.text, quality: -1.0)
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let type = parts.first?.lowercased() else { continue }
            var quality = 1.0
            var version: Substring?
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "q": quality = Double(pair[1]) ?? 0
                case "version": version = pair[1]
                default: break
                }
            }
            let format: ExpositionFormat
            switch type {
            case "application/openmetrics-text" where version == nil || version == "1.0.0" || version == "0.0.1":
                format = .openMetrics
            case "text/plain", "text/*", "*/*":
                format = .text
            default:
                continue
            }
            if quality > best.quality || (quality == best.quality && format == .text) { best = (format, quality) }
        }
        if best.quality > 0 { self = best.format }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
