/// The pod annotations (and the one label) the injector reads and writes.
enum PodAnnotations {
    static let prefix = "driftwatch.dev/"
    /// `"true"` asks for the sidecar.
    static let inject = "driftwatch.dev/inject"
    /// The model name; default: the pod's `app.kubernetes.io/name` or `app` label.
    static let model = "driftwatch.dev/model"
    /// The inference-log topic; default: the injector's `--default-topic`.
    static let topic = "driftwatch.dev/topic"
    /// The ConfigMap holding `reference.json`; default: `<model>-reference`.
    static let reference = "driftwatch.dev/reference-configmap"
    /// A ConfigMap holding a full `driftwatch.yaml` (policy, windows...); optional.
    static let config = "driftwatch.dev/config-configmap"
    /// Written by the injector: `injected`. A pod carrying it is never injected again.
    static let status = "driftwatch.dev/status"
    /// Label written by the injector, for a PodMonitor to select injected pods.
    static let injectedLabel = "driftwatch.dev/injected"
    /// The sidecar's container name.
    static let container = "driftwatch"
}
