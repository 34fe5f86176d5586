import Dispatch
import DriftMonitor
import FoundationEssentials
import HTTP
import NIOHTTP1
import Registry
import Synchronization

/// Writes a retraining event onto the registered model version it names
/// (`data.model_version`, set by an agent whose reference came from MLflow):
/// - the version's tags `driftwatch.last_event_id`, `driftwatch.drifted_features`
///   (comma-separated) and `driftwatch.last_drift_at` (the window's end);
/// - a run in the experiment `driftwatch-<model>`, tagged `driftwatch.event_id`, with each
///   piece of evidence's score as a metric `<feature>.<method>` (`model.<method>` for a
///   model-wide one) and the window as parameters.
///
/// Idempotent by event id: when the experiment already has the event's run, the replayed
/// event writes nothing. The run is created last, so an attempt cut short is done again
/// whole by the next.
struct MLflowAction {
    let client: MLflowClient

    /// Blocks its thread (the hook's, never an event loop) until the calls are done.
    func perform(_ event: RetrainingEvent, timeout: Duration) -> ActionResult {
        var client = client
        client.timeout = timeout
        let outcome = Mutex<ActionResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        let action = MLflowAction(client: client)
        Task {
            let result = await action.record(event)
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0 } ?? .failed("no outcome")
    }

    func record(_ event: RetrainingEvent) async -> ActionResult {
        guard let version = event.modelVersion else {
            return .rejected("event \(event.id) names no registered model version: the agent's reference for \(event.model) is not from MLflow")
        }
        do {
            let experiment = try await experiment(named: "driftwatch-\(event.model)")
            let search = try await client.call(
                .POST, "/api/2.0/mlflow/runs/search",
                json: [
                    "experiment_ids": [.string(experiment)], "max_results": 1,
                    "filter": .string("tags.`driftwatch.event_id` = '\(event.id.replacing("'", with: "\\'"))'"),
                ])
            if let runs = search["runs"]?.array, !runs.isEmpty { return .succeeded }
            let drifted = event.features.joined(separator: ",")
            for (key, value) in [
                ("driftwatch.last_event_id", event.id), ("driftwatch.drifted_features", drifted),
                ("driftwatch.last_drift_at", event.windowEnd ?? event.time ?? ""),
            ] {
                _ = try await client.call(
                    .POST, "/api/2.0/mlflow/model-versions/set-tag", json: ["name": .string(version.name), "version": .string(version.version), "key": .string(key), "value": .string(value)])
            }
            let now = JSONValue.number((Date().timeIntervalSince1970 * 1000).rounded(.down))
            let created = try await client.call(
                .POST, "/api/2.0/mlflow/runs/create",
                json: [
                    "experiment_id": .string(experiment), "run_name": .string("retraining-\(event.id.prefix(16))"), "start_time": now,
                    "tags": [
                        ["key": "driftwatch.event_id", "value": .string(event.id)], ["key": "driftwatch.model_version", "value": .string("\(version)")],
                        ["key": "driftwatch.event_type", "value": .string(event.type)],
                    ],
                ])
            guard let run = created["run"]?["info"]?["run_id"]?.string else {
                return .failed("MLflow created no run for event \(event.id)")
            }
            var metrics: [JSONValue] = []
            var seen = Set<String>()
            for piece in event.evidence {
                let key = Self.metricKey("\(piece.feature ?? "model").\(piece.method)")
                guard seen.insert(key).inserted else { continue }
                metrics.append(["key": .string(key), "value": .number(piece.score), "timestamp": now, "step": 0])
            }
            let parameters = [
                ("drifted_features", drifted), ("reference_version", event.referenceVersion ?? ""), ("window_start", event.windowStart ?? ""),
                ("window_end", event.windowEnd ?? ""),
            ].map { ["key": .string($0.0), "value": .string(String($0.1.prefix(6_000)))] as JSONValue }
            // MLflow takes at most 1,000 metrics in one batch.
            for start in stride(from: 0, to: max(metrics.count, 1), by: 1_000) {
                _ = try await client.call(
                    .POST, "/api/2.0/mlflow/runs/log-batch",
                    json: [
                        "run_id": .string(run), "metrics": .array(Array(metrics[start..<min(start + 1_000, metrics.count)])),
                        "params": .array(start == 0 ? parameters : []),
                    ])
            }
            _ = try await client.call(.POST, "/api/2.0/mlflow/runs/update", json: ["run_id": .string(run), "status": "FINISHED", "end_time": now])
            return .succeeded
        } catch .refused(let request, let status, let message) where (400..<500).contains(status) && status != 408 && status != 429 {
            return .rejected("MLflow refused \(request) (HTTP \(status)): \(message)")
        } catch {
            return .failed("\(error)")
        }
    }

    /// The experiment's id, created when missing.
    private func experiment(named name: String) async throws(RegistryError) -> String {
        do {
            let found = try await client.call(.GET, "/api/2.0/mlflow/experiments/get-by-name", query: [("experiment_name", name)])
            if let id = found["experiment"]?["experiment_id"]?.string { return id }
        } catch .refused(_, let status, _) where status == 404 {
            // Not there yet.
        }
        do {
            let created = try await client.call(.POST, "/api/2.0/mlflow/experiments/create", json: ["name": .string(name)])
            if let id = created["experiment_id"]?.string { return id }
        } catch .refused(_, let status, _) where status == 400 {
            // Another hook created it meanwhile (RESOURCE_ALREADY_EXISTS): read it again.
        }
        let found = try await client.call(.GET, "/api/2.0/mlflow/experiments/get-by-name", query: [("experiment_name", name)])
        guard let id = found["experiment"]?["experiment_id"]?.string else {
            throw .malformed(request: "experiment \(name)", "no experiment_id")
        }
        return id
    }

    /// MLflow's metric names: letters, digits, `_ - . / ` and spaces; anything else becomes `_`.
    static func metricKey(_ text: String) -> String {
        String(text.prefix(250).map { $0.isASCII && ($0.isLetter || $0.isNumber || "_-./ ".contains($0)) ? $0 : "_" })
    }
}
