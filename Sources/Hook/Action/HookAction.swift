/// What the hook does with a retraining event.
public enum HookAction: Sendable, Hashable {
    /// Runs a program: the event JSON on stdin, its key fields in `DRIFTWATCH_*` environment
    /// variables, success = exit status 0.
    case command([String])
    /// POSTs the event (`application/cloudevents+json`) to a URL: Argo Events' webhook
    /// EventSource, Kubeflow Pipelines, any webhook. Success = 2xx.
    case post(url: String, headers: [String: String])
    /// Tags the registered MLflow model version the event names and logs a run with its
    /// evidence (``MLflowAction``), through the tracking server in `MLFLOW_TRACKING_URI`.
    case mlflow

    /// For the log: the program, or the URL without its query (which may carry a token).
    var description: String {
        switch self {
        case .command(let arguments): "command \(arguments.first ?? "")"
        case .post(let url, _): "POST \(url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url)"
        case .mlflow: "MLflow"
        }
    }
}
