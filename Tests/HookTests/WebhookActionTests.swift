import DriftMonitor
import Foundation
@testable import Hook
import Testing
import TestSupport

@Suite("POST to a webhook", .serialized)
struct WebhookActionTests {
    /// Python's http.server as the webhook, answering the status its path names.
    final class Receiver {
        let process: SpawnedProcess
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-webhook-\(UUID())")
        let log: URL
        let port: Int

        /// The self-signed certificate of an https receiver (for 127.0.0.1 and localhost), as
        /// ``SelfSignedCertificate`` names it.
        var certificate: URL { directory.appendingPathComponent("tls.crt") }

        init(https: Bool = false) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let log = directory.appendingPathComponent("requests.jsonl")
            self.log = log
            let portFile = directory.appendingPathComponent("port")
            let script = Repository.path("Tests/Scripts/webhook_receiver.py")
            var tls: [String] = []
            if https {
                let made = try SelfSignedCertificate.make(in: directory, commonName: "localhost", alternativeNames: ["DNS:localhost", "IP:127.0.0.1"])
                tls = [made.certificate.path, made.key.path]
            }
            let process = try SpawnedProcess("python3", [script.path, portFile.path, log.path] + tls)
            self.process = process
            let deadline = ContinuousClock.now + .seconds(20)
            var port: Int?
            while port == nil && ContinuousClock.now < deadline && process.isRunning {
                port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap(Int.init)
                Thread.sleep(forTimeInterval: 0.02)
            }
            guard let port else { throw CocoaError(.fileReadNoSuchFile) }
            self.port = port
        }

        deinit {
            process.send(SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }

        var requests: [[String: Any]] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    @Test("2xx succeeds, 5xx, 408 and 429 are retried, other 4xx give up at once; the event is the body")
    func statuses() throws {
        let receiver = try Receiver()
        let event = try RetrainingEvent(value: RetrainingEventTests.agentEvent().cloudEventJSON(), headers: [:])
        func post(_ status: Int) -> ActionResult {
            WebhookAction(url: URL(string: "http://127.0.0.1:\(receiver.port)/status/\(status)")!, headers: ["Authorization": "Bearer t0ken"])
                .perform(event, attempt: 2, timeout: .seconds(10))
        }
        #expect(post(200) == .succeeded)
        #expect(post(202) == .succeeded)
        #expect(post(503) == .failed("HTTP 503"))
        #expect(post(429) == .failed("HTTP 429"))
        #expect(post(408) == .failed("HTTP 408"))
        #expect(post(400) == .rejected("HTTP 400"))
        #expect(post(404) == .rejected("HTTP 404"))

        let requests = receiver.requests
        #expect(requests.count == 7)
        let first = try #require(requests.first)
        #expect(first["body"] as? String == String(decoding: event.json, as: UTF8.self))
        let headers = try #require(first["headers"] as? [String: String])
        #expect(headers["Content-Type"] == "application/cloudevents+json")
        #expect(headers["Idempotency-Key"] == event.id)
        #expect(headers["X-Driftwatch-Attempt"] == "2")
        #expect(headers["Authorization"] == "Bearer t0ken")
    }

    @Test("An https URL is spoken to over TLS (a plain-HTTP receiver fails the handshake); other schemes are refused")
    func schemes() throws {
        let receiver = try Receiver()
        let event = try RetrainingEvent(value: RetrainingEventTests.agentEvent().cloudEventJSON(), headers: [:])
        let secure = WebhookAction(url: URL(string: "https://127.0.0.1:\(receiver.port)/status/200")!, headers: [:])
            .perform(event, attempt: 1, timeout: .seconds(10))
        guard case .failed(let reason) = secure else {
            Issue.record("\(secure)")
            return
        }
        #expect(reason.hasPrefix("https://127.0.0.1:\(receiver.port)/status/200: "))
        #expect(receiver.requests.isEmpty)
        let other = WebhookAction(url: URL(string: "ftp://127.0.0.1/hook")!, headers: [:]).perform(event, attempt: 1, timeout: .seconds(1))
        guard case .rejected = other else {
            Issue.record("\(other)")
            return
        }
    }

    @Test("https: a certificate the system does not trust fails; trusted by --url-ca-file, by address or by name, it succeeds; a missing CA file gives up")
    func trustedCertificates() throws {
        let receiver = try Receiver(https: true)
        let event = try RetrainingEvent(value: RetrainingEventTests.agentEvent().cloudEventJSON(), headers: [:])
        let untrusted = WebhookAction(url: URL(string: "https://127.0.0.1:\(receiver.port)/status/200")!, headers: [:])
            .perform(event, attempt: 1, timeout: .seconds(10))
        guard case .failed(let reason) = untrusted else {
            Issue.record("\(untrusted)")
            return
        }
        #expect(reason.contains("CERTIFICATE_VERIFY_FAILED") || reason.contains("certificate"), "\(reason)")
        for host in ["127.0.0.1", "localhost"] {
            let trusted = WebhookAction(
                url: URL(string: "https://\(host):\(receiver.port)/status/202")!, headers: [:], trustedCertificatesFile: receiver.certificate.path
            ).perform(event, attempt: 1, timeout: .seconds(10))
            #expect(trusted == .succeeded, "\(host)")
        }
        let missing = WebhookAction(
            url: URL(string: "https://localhost:\(receiver.port)/status/200")!, headers: [:],
            trustedCertificatesFile: receiver.certificate.path + ".missing"
        ).perform(event, attempt: 1, timeout: .seconds(10))
        guard case .rejected = missing else {
            Issue.record("a CA file that is not there: \(missing)")
            return
        }
        let requests = receiver.requests
        #expect(requests.count == 2)
        #expect(requests.first?["body"] as? String == String(decoding: event.json, as: UTF8.self))
    }

    @Test("A refused connection is worth a retry")
    func refused() throws {
        let event = try RetrainingEvent(value: RetrainingEventTests.agentEvent().cloudEventJSON(), headers: [:])
        // Port 1 on loopback: nothing listens there.
        let result = WebhookAction(url: URL(string: "http://127.0.0.1:1/hook")!, headers: [:]).perform(event, attempt: 1, timeout: .seconds(5))
        guard case .failed(let reason) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(reason.hasPrefix("http://127.0.0.1:1/hook: "))
    }
}
