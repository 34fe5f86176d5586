import Prometheus

extension PrometheusCollectorRegistry {
    /// Appends the registry's exposition in `format`: text 0.0.4 as the registry writes it, or
    /// OpenMetrics rewritten from it. `more` appends families kept outside the registry, in text 0.0.4.
    package func exposition(_ format: ExpositionFormat, into buffer: inout [UInt8], more: (inout [UInt8]) -> Void = { _ in }) {
        switch format {
        case .text:
            emit(into: &buffer)
            more(&buffer)
        case .openMetrics:
            var text: [UInt8] = []
            emit(into: &text)
            more(&text)
            buffer.append(contentsOf: OpenMetricsText.convert(text))
        }
    }
}
