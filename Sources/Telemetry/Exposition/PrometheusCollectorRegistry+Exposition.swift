import Prometheus

extension PrometheusCollectorRegistry {
    /// Appends the registry's exposition in `format`: text 0.0.4 as the registry writes it, or
    /// OpenMetrics rewritten from it.
    package func exposition(_ format: ExpositionFormat, into buffer: inout [UInt8]) {
        switch format {
        case .text:
            emit(into: &buffer)
        case .openMetrics:
            var text: [UInt8] = []
            emit(into: &text)
            buffer.append(contentsOf: OpenMetricsText.convert(text))
        }
    }
}
