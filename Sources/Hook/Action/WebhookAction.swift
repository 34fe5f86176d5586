import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs one event to the hook's URL, once.
struct WebhookAction {
    let url: URL
    let headers: [String: String]

    /// The URL for messages and logs: without query or credentials, which may hold secrets.
    var target: String {
        "\(url.scheme ?? "")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")\(url.path)"
    }

    func perform(_ event: RetrainingEvent, attempt: Int, timeout: Duration) -> ActionResult {
        var request = URLRequest(url: url, timeoutInterval: RetryPolicy.seconds(timeout))
        request.httpMethod = "POST"
        request.httpBody = Data(event.json)
        request.setValue("application/cloudevents+json", forHTTPHeaderField: "Content-Type")
        request.setValue(event.id, forHTTPHeaderField: "Idempotency-Key")
        request.setValue(String(attempt), forHTTPHeaderField: "X-Driftwatch-Attempt")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let outcome = Mutex<ActionResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { _, response, error in
            let result: ActionResult
            if let error {
                result = .failed("\(target): \(error.localizedDescription)")
            } else if let status = (response as? HTTPURLResponse)?.statusCode {
                switch status {
                case 200..<300: result = .succeeded
                case 408, 429, 500...: result = .failed("HTTP \(status)")
                default: result = .rejected("HTTP \(status)")
                }
            } else {
                result = .failed("\(target): no HTTP response")
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        task.resume()
        done.wait()
        return outcome.withLock { $0 } ?? .failed("no answer")
    }
}
