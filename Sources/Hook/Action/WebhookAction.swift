import FoundationEssentials
import HTTP
import NIOHTTP1

/// POSTs one event to the hook's URL, once, as an ``HTTPExchange`` (swift-nio, TLS by NIOSSL for `https`).
///
/// Not URLSession: FoundationNetworking brings libcurl and the 25 libraries it links (GnuTLS,
/// Kerberos, LDAP, ...) into every driftwatch process, 4 MiB of resident memory for the agent,
/// which never posts anything.
struct WebhookAction {
    let url: URL
    let headers: [String: String]
    /// PEM certificates trusted besides the system's.
    var trustedCertificatesFile: String? = nil

    /// The URL for messages and logs: without query or credentials, which may hold secrets.
    var target: String {
        "\(url.scheme ?? "")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")\(url.path)"
    }

    /// Posts the event and waits for the response, at most `timeout` in all.
    /// Must not be called on an event loop: it blocks its thread.
    func perform(_ event: RetrainingEvent, attempt: Int, timeout: Duration) -> ActionResult {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let request = RequestURL(url.absoluteString) else {
            return .rejected("\(target): only http and https URLs with a host (and no user information) can be posted to")
        }
        var exchange = HTTPExchange(
            method: .POST, url: request,
            headers: [
                ("Content-Type", "application/cloudevents+json"), ("Idempotency-Key", event.id), ("X-Driftwatch-Attempt", String(attempt)),
            ] + headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            body: event.json, timeout: timeout, maximumBodyBytes: 64 << 10)
        exchange.trustedCertificatesFile = trustedCertificatesFile
        do {
            let code = try exchange.performBlocking().status
            switch code {
            case 200..<300: return .succeeded
            case 408, 429, 500...: return .failed("HTTP \(code)")
            default: return .rejected("HTTP \(code)")
            }
        } catch .tls(let reason) {
            return .rejected("\(target): TLS configuration: \(reason)")
        } catch .timedOut {
            return .failed("\(target): no answer within \(timeout)")
        } catch {
            return .failed("\(error)")
        }
    }
}
