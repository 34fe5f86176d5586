/// What every injected sidecar shares, from `driftwatch inject`'s flags; each pod's
/// annotations name its model, topic and reference.
public struct InjectionSettings: Sendable, Hashable {
    /// The driftwatch image the sidecar runs.
    public var image: String
    public var bootstrap: String
    /// The topic of pods without a `driftwatch.dev/topic` annotation.
    public var defaultTopic: String = "inference-logs"
    public var eventsTopic: String = "driftwatch.events"
    public var dlqTopic: String = "driftwatch.dlq"
    /// The sidecar's /metrics port.
    public var metricsPort: Int = 9400
    public var cpuRequest: String = "100m"
    public var memoryRequest: String = "96Mi"
    public var memoryLimit: String = "192Mi"

    public init(image: String, bootstrap: String) {
        self.image = image
        self.bootstrap = bootstrap
    }
}
