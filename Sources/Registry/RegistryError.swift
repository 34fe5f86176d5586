/// What went wrong talking to the model registry, with the request it concerns.
public enum RegistryError: Error, CustomStringConvertible, Sendable {
    case invalidURI(String, String)
    case noTrackingServer
    case invalidTrackingURI(String)
    /// The server could not be reached or did not answer in time.
    case unreachable(String)
    /// The server answered with an error (its status and message).
    case refused(request: String, status: Int, message: String)
    /// The answer was not what MLflow's REST API returns.
    case malformed(request: String, String)

    public var description: String {
        switch self {
        case .invalidURI(let text, let reason): "\(text): not a model URI: \(reason)"
        case .noTrackingServer: "a models:/ URI needs the tracking server in MLFLOW_TRACKING_URI"
        case .invalidTrackingURI(let text): "MLFLOW_TRACKING_URI \(text) is not an http or https URL"
        case .unreachable(let reason): "the MLflow tracking server did not answer: \(reason)"
        case .refused(let request, let status, let message): "MLflow refused \(request) (HTTP \(status)): \(message)"
        case .malformed(let request, let reason): "MLflow's answer to \(request) is not understood: \(reason)"
        }
    }
}
