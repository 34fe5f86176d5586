import DriftMonitor

/// The page at `/`: every model with its state, each feature with its level, scores and the
/// reference and current distributions as inline SVG, and the recent events. One HTML
/// document with no external assets (clusters are often offline), refreshed every 15 s.
package enum StatusPage {
    package static func render(_ models: [StatusBoard.ModelStatus], version: String) -> [UInt8] {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="15">
            <title>driftwatch</title><style>
            body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
            h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.6em}
            table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}
            .state{padding:2px 8px;border-radius:4px;color:#fff}.ok{background:#2e7d32}.warning{background:#ef6c00}.drift{background:#c62828}
            .muted{color:#777}code{font-size:12px}
            </style></head><body>
            <h1>driftwatch \(escape(version))</h1>
            <p class="muted"><a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></p>

            """
        if models.isEmpty { html += "<p>No models configured.</p>\n" }
        for model in models { html += section(model) }
        html += "</body></html>\n"
        return Array(html.utf8)
    }

    private static let levels = ["ok", "warning", "drift"]

    private static func section(_ status: StatusBoard.ModelStatus) -> String {
        let state = levels[min(max(status.state, 0), 2)]
        var html = """
            <section class="model" data-model="\(escape(status.model))">
            <h2>\(escape(status.model)) <span class="state \(state)" data-state="\(state)">\(state)</span></h2>
            <p>reference <code>\(escape(status.referenceVersion))</code>\(status.modelVersion.map { " of MLflow model version <code class=\"model-version\">\(escape($0))</code>" } ?? "")
            """
        guard let window = status.lastWindow else {
            return html + " · no window closed yet</p>\n" + performance(status.performance) + "</section>\n"
        }
        html += " · window \(window.index): \(window.records) records"
        if let start = window.start ?? window.firstEventTime, let end = window.end ?? window.lastEventTime {
            html += ", \(RFC3339.format(milliseconds: start)) to \(RFC3339.format(milliseconds: end))"
        }
        html += " · dataset drift share \(number(window.datasetDriftShare))</p>\n"
        html += """
            <table><thead><tr><th>feature</th><th>kind</th><th>level</th><th>score</th><th>threshold</th><th>p-value</th>\
            <th>missing</th><th>reference (grey) and window</th></tr></thead><tbody>

            """
        for feature in window.features {
            let level = levels[feature.level.rawValue]
            let score = feature.scores.first { $0.method == feature.decidingMethod }
            // MMD² and its thresholds are a few 1e-4: two significant digits, not three decimals.
            let vector = feature.kind == .vector
            func format(_ value: Double) -> String { vector ? significant(value) : number(value) }
            let picture: String
            if let evidence = feature.vector {
                picture = projection(evidence, level: level)
            } else {
                picture = histogram(feature.bins, level: level)
            }
            html += """
                <tr class="feature" data-feature="\(escape(feature.name))" data-level="\(level)"><td>\(escape(feature.name))</td>\
                <td>\(feature.kind)</td><td><span class="state \(level)">\(level)</span></td>\
                <td>\(feature.decidingMethod.rawValue) \(score.map { format($0.value) } ?? "–")</td>\
                <td>\(format(feature.warnThreshold)) / \(format(feature.driftThreshold))</td>\
                <td>\(feature.pvalue.map(number) ?? "–")</td><td>\(number(feature.missingRatio))</td>\
                <td>\(picture)</td></tr>

                """
        }
        html += "</tbody></table>\n"
        html += performance(status.performance)
        if !status.recentEvents.isEmpty {
            html += "<h3>Recent events</h3><ul class=\"events\">\n"
            for event in status.recentEvents {
                html += """
                    <li data-type="\(event.kind.rawValue)"><code>\(event.kind.rawValue)</code> \
                    window ending \(RFC3339.format(milliseconds: event.windowEnd)) \
                    \(event.features.isEmpty ? "" : "features " + escape(event.features.joined(separator: ", "))) \
                    <span class="muted">\(escape(event.id))</span></li>

                    """
            }
            html += "</ul>\n"
        }
        return html + "</section>\n"
    }

    /// The performance table of a model with labels: reference, last judged window, estimate.
    private static func performance(_ performance: StatusBoard.PerformanceStatus?) -> String {
        guard let performance else { return "" }
        let state = ["ok", "warning", "degraded"][min(max(performance.state, 0), 2)]
        var html = """
            <h3>Performance <span class="state \(state == "degraded" ? "drift" : state)" data-performance-state="\(state)">\(state)</span></h3>
            <p class="muted">\(performance.waiting) predictions waiting for their label</p>
            <table class="performance"><thead><tr><th>metric</th><th>reference</th><th>last judged window</th><th>estimated</th></tr></thead><tbody>

            """
        func cell(_ value: Double?) -> String { value.map { $0.isNaN ? "–" : number($0) } ?? "–" }
        for metric in performance.metrics {
            html += """
                <tr data-metric="\(metric.rawValue)"><td>\(metric.rawValue)</td><td>\(cell(performance.reference[metric]))</td>\
                <td>\(cell(performance.realised[metric]))</td><td>\(cell(performance.estimated[metric]))</td></tr>

                """
        }
        return html + "</tbody></table>\n"
    }

    private static let colors = ["ok": "#2e7d32", "warning": "#ef6c00", "drift": "#c62828"]

    /// Reference shares as grey bars, the window's as coloured bars inside them, one pair per bin.
    static func histogram(_ bins: FeatureDrift.Bins, level: String) -> String {
        let count = min(bins.reference.count, bins.current.count)
        guard count > 0 else { return "" }
        let referenceTotal = Double(max(bins.reference.reduce(0, +), 1))
        let currentTotal = Double(max(bins.current.reduce(0, +), 1))
        let shares = (0..<count).map { (Double(bins.reference[$0]) / referenceTotal, Double(bins.current[$0]) / currentTotal) }
        let highest = max(shares.map { max($0.0, $0.1) }.max() ?? 1, 1e-9)
        let (width, height) = (240.0, 48.0)
        let step = width / Double(count)
        var svg = "<svg class=\"histogram\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        for (bin, (reference, current)) in shares.enumerated() {
            let x = Double(bin) * step
            let referenceHeight = reference / highest * (height - 2)
            let currentHeight = current / highest * (height - 2)
            svg += "<g><title>\(escape(label(bins, bin))): reference \(number(reference)), window \(number(current))</title>"
            svg += "<rect class=\"reference\" x=\"\(number(x + 1))\" y=\"\(number(height - referenceHeight))\" width=\"\(number(step - 2))\" height=\"\(number(referenceHeight))\" fill=\"#bbb\"/>"
            svg += "<rect class=\"current\" x=\"\(number(x + step * 0.25))\" y=\"\(number(height - currentHeight))\" width=\"\(number(step * 0.5))\" height=\"\(number(currentHeight))\" fill=\"\(colors[level] ?? "#555")\"/></g>"
        }
        return svg + "</svg>"
    }

    /// A vector feature on the reference's first two principal axes: reference rows as grey
    /// dots, the window's first rows as coloured ones, the window's mean as a ring (the
    /// reference's mean is the origin, marked by a cross).
    static func projection(_ evidence: FeatureDrift.VectorEvidence, level: String) -> String {
        let reference = evidence.referenceProjection
        let window = evidence.windowProjection
        let all = reference + window + evidence.projectedMean + [0, 0]
        guard reference.count >= 2, all.allSatisfy(\.isFinite) else { return "" }
        let xs = stride(from: 0, to: all.count - 1, by: 2).map { all[$0] }
        let ys = stride(from: 1, to: all.count, by: 2).map { all[$0] }
        let (left, right) = (xs.min() ?? -1, xs.max() ?? 1)
        let (bottom, top) = (ys.min() ?? -1, ys.max() ?? 1)
        let (width, height) = (240.0, 120.0)
        func x(_ value: Double) -> String { number(4 + (value - left) / max(right - left, 1e-12) * (width - 8)) }
        func y(_ value: Double) -> String { number(height - 4 - (value - bottom) / max(top - bottom, 1e-12) * (height - 8)) }
        var svg = "<svg class=\"projection\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg += "<title>first two principal axes of the reference: reference rows grey, window rows coloured</title>"
        for i in stride(from: 0, to: reference.count - 1, by: 2) {
            svg += "<circle class=\"reference\" cx=\"\(x(reference[i]))\" cy=\"\(y(reference[i + 1]))\" r=\"1.5\" fill=\"#bbb\"/>"
        }
        let color = colors[level] ?? "#555"
        for i in stride(from: 0, to: window.count - 1, by: 2) {
            svg += "<circle class=\"current\" cx=\"\(x(window[i]))\" cy=\"\(y(window[i + 1]))\" r=\"1.5\" fill=\"\(color)\"/>"
        }
        svg += "<path class=\"origin\" d=\"M\(x(0)) \(y(0))m-4 0h8m-4 -4v8\" stroke=\"#555\"/>"
        if evidence.projectedMean.count == 2 {
            svg += "<circle class=\"mean\" cx=\"\(x(evidence.projectedMean[0]))\" cy=\"\(y(evidence.projectedMean[1]))\" r=\"4\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>"
        }
        return svg + "</svg>"
    }

    /// Two significant digits (6.1e-4), for the small scores of vector tests.
    static func significant(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return number(value) }
        var exponent = 0
        var mantissa = abs(value)
        while mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        let rounded = (mantissa * 10).rounded() / 10
        return (value < 0 ? "-" : "") + "\(rounded)" + (exponent == 0 ? "" : "e\(exponent)")
    }

    private static func label(_ bins: FeatureDrift.Bins, _ bin: Int) -> String {
        if !bins.categories.isEmpty { return bin < bins.categories.count ? bins.categories[bin] : "(new categories)" }
        let edges = bins.edges
        guard !edges.isEmpty else { return "all" }
        if bin == 0 { return "< \(number(edges[0]))" }
        if bin >= edges.count { return "≥ \(number(edges[edges.count - 1]))" }
        return "\(number(edges[bin - 1])) to \(number(edges[bin]))"
    }

    /// Three decimals, or none from 1000 up; enough to read, without Foundation's formatters.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "-∞") }
        if abs(value) >= 1000 { return String(Int(value.rounded())) }
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
