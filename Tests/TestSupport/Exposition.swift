/// Reading a Prometheus text exposition in tests.
public enum Exposition {
    /// The value of the sample `series` (its name and labels, as exposed), if present.
    public static func sample(_ series: String, in metrics: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }
}
