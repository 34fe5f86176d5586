import Foundation
@testable import Injector
import Logging
import ServiceLifecycle
import HTTP
import Testing
import TestSupport

/// The webhook over real HTTPS (a certificate made by openssl, curl as the API server's
/// client), replaying AdmissionReviews of the shapes the API server sends; the returned
/// JSON Patch is applied by kubectl (`patch --local`) and the pod checked with the
/// kubernetes client's models.
@Suite("Sidecar injection webhook", .serialized)
final class InjectorTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-injector-\(UUID())")
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let root = Repository.root
    var certificate: URL { directory.appendingPathComponent("tls.crt") }
    let group: ServiceGroup
    let running: Task<Void, any Error>
    let server: InjectorServer

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let made = try SelfSignedCertificate.make(
            in: directory, commonName: "driftwatch-injector.driftwatch.svc",
            alternativeNames: ["DNS:localhost", "DNS:driftwatch-injector.driftwatch.svc", "IP:127.0.0.1"])
        var logger = Logger(label: "injector")
        logger.logLevel = .warning
        let settings = InjectionSettings(image: "ghcr.io/driftwatch/driftwatch:0.1.0", bootstrap: "kafka.kafka.svc:9092")
        server = try InjectorServer(
            host: "127.0.0.1", port: 0, certificatePath: made.certificate.path, keyPath: made.key.path,
            controller: AdmissionController(settings: settings, logger: logger), logger: logger)
        group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let group = group
        // Off the cooperative pool, which other suites' blocking work can fill (see ThreadExecutor).
        running = Task(executorPreference: ThreadExecutor.servers) { try await group.run() }
    }

    deinit {
        let group = group
        Task { await group.triggerGracefulShutdown() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// POSTs `body` to /mutate over TLS, trusting only the test's certificate.
    func post(_ body: Data, scheme: String = "https") async throws -> (status: Int, body: Data) {
        // Generous: on 2 busy cores the server task may wait for a thread of the cooperative pool.
        let port = try await server.boundPort.wait(timeout: .seconds(120))
        let request = directory.appendingPathComponent("request-\(UUID()).json")
        try body.write(to: request)
        // curl blocks its thread until the answer: off the cooperative pool. Its limit is as generous
        // as the port's: in CI the whole test process was once starved for 127 s, the server's
        // answer with it (a 10 s limit timed out then).
        let arguments = [
            "curl", "-sS", "--max-time", "150", "--cacert", certificate.path, "-H", "Content-Type: application/json",
            "--data-binary", "@\(request.path)", "-w", "\n%{http_code}", "\(scheme)://localhost:\(port)/mutate",
        ]
        let result = try await withTaskExecutorPreference(ThreadExecutor.blocking) { try ChildProcess.run(arguments) }
        guard result.status == 0 else { return (0, Data(result.errors.utf8)) }
        let text = result.output
        let split = text.lastIndex(of: UInt8(ascii: "\n"))!
        return (Int(String(decoding: text[(split + 1)...], as: UTF8.self)) ?? 0, Data(text[..<split]))
    }

    func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    /// The review's response, and the pod with its patch applied by kubectl.
    func admit(_ review: Data) async throws -> (response: [String: Any], pod: [String: Any]) {
        let (status, body) = try await post(review)
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        let answer = try #require(JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(answer["apiVersion"] as? String == "admission.k8s.io/v1")
        #expect(answer["kind"] as? String == "AdmissionReview")
        let response = try #require(answer["response"] as? [String: Any])
        let request = try #require((try JSONSerialization.jsonObject(with: review) as? [String: Any])?["request"] as? [String: Any])
        #expect(response["uid"] as? String == request["uid"] as? String)
        #expect(response["allowed"] as? Bool == true)
        let pod = try #require(request["object"] as? [String: Any])
        guard let patch = response["patch"] as? String else { return (response, pod) }
        #expect(response["patchType"] as? String == "JSONPatch")
        let operations = String(decoding: try #require(Data(base64Encoded: patch)), as: UTF8.self)
        let podFile = directory.appendingPathComponent("pod-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: pod).write(to: podFile)
        let patched = try ChildProcess.run(["kubectl", "patch", "--local", "--type=json", "-f", podFile.path, "-p", operations, "-o", "json"])
        #expect(patched.status == 0, "kubectl patch: \(patched.errors)")
        return (response, try #require(JSONSerialization.jsonObject(with: patched.output) as? [String: Any]))
    }

    /// The pod, strictly valid for the Kubernetes API (scripts/check-kubernetes.py --validate).
    func expectValid(_ pod: [String: Any]) throws {
        let file = directory.appendingPathComponent("patched-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: pod).write(to: file)
        let checked = try ChildProcess.run(["python3", root.appendingPathComponent("scripts/check-kubernetes.py").path, "--validate", file.path])
        #expect(checked.status == 0, "\(checked.errors)")
    }

    static func containers(_ pod: [String: Any]) -> [[String: Any]] {
        (pod["spec"] as? [String: Any])?["containers"] as? [[String: Any]] ?? []
    }

    @Test("A Deployment's pod (generateName, annotations) gets the sidecar for its model and topic, once")
    func deploymentPod() async throws {
        let (response, pod) = try await admit(try fixture("review-deployment-pod.json"))
        #expect(response["patch"] != nil)
        let containers = Self.containers(pod)
        #expect(containers.map { $0["name"] as? String } == ["model-server", "driftwatch"])
        let sidecar = containers[1]
        let arguments = try #require(sidecar["args"] as? [String])
        func argument(_ flag: String) -> String? { arguments.firstIndex(of: flag).map { arguments[$0 + 1] } }
        #expect(argument("--model") == "fraud-detector")
        #expect(argument("--topic") == "fraud-inference-logs")
        #expect(argument("--group") == "driftwatch-fraud-detector")
        #expect(argument("--bootstrap") == "kafka.kafka.svc:9092")
        #expect(argument("--reference") == "/etc/driftwatch/reference/reference.json")
        #expect(sidecar["image"] as? String == "ghcr.io/driftwatch/driftwatch:0.1.0")
        let volumes = try #require((pod["spec"] as? [String: Any])?["volumes"] as? [[String: Any]])
        #expect(volumes.map { $0["name"] as? String } == ["kube-api-access-x7k2p", "driftwatch-reference", "driftwatch-tmp"])
        #expect((volumes[1]["configMap"] as? [String: Any])?["name"] as? String == "fraud-reference")
        let metadata = try #require(pod["metadata"] as? [String: Any])
        #expect((metadata["annotations"] as? [String: String])?["driftwatch.dev/status"] == "injected")
        #expect((metadata["annotations"] as? [String: String])?["prometheus.io/scrape"] == "false")
        #expect((metadata["labels"] as? [String: String])?["driftwatch.dev/injected"] == "true")
        #expect(metadata["generateName"] as? String == "fraud-detector-7d9c5b6f4-")
        try expectValid(pod)

        // The injected pod, reviewed again (a reinvocation): no second sidecar.
        var review = try #require(JSONSerialization.jsonObject(with: try fixture("review-deployment-pod.json")) as? [String: Any])
        var request = try #require(review["request"] as? [String: Any])
        request["object"] = pod
        review["request"] = request
        let again = try await admit(try JSONSerialization.data(withJSONObject: review))
        #expect(again.response["patch"] == nil)
        #expect(Self.containers(again.pod).count == 2)
    }

    @Test("A pod without annotations, labels or volumes gets them added whole; its config ConfigMap is mounted")
    func barePod() async throws {
        let (_, pod) = try await admit(try fixture("review-bare-pod.json"))
        let sidecar = try #require(Self.containers(pod).last)
        let arguments = try #require(sidecar["args"] as? [String])
        #expect(Array(arguments.prefix(3)) == ["run", "--config", "/etc/driftwatch/config/driftwatch.yaml"])
        #expect(arguments.contains("churn-scorer"))
        #expect(arguments.contains("inference-logs"))
        let volumes = try #require((pod["spec"] as? [String: Any])?["volumes"] as? [[String: Any]])
        #expect(volumes.map { $0["name"] as? String } == ["driftwatch-reference", "driftwatch-tmp", "driftwatch-config"])
        #expect((volumes[0]["configMap"] as? [String: Any])?["name"] as? String == "churn-scorer-reference")
        #expect((volumes[2]["configMap"] as? [String: Any])?["name"] as? String == "churn-driftwatch")
        let metadata = try #require(pod["metadata"] as? [String: Any])
        #expect(metadata["labels"] as? [String: String] == ["driftwatch.dev/injected": "true"])
        try expectValid(pod)
    }

    @Test(
        "Pods already injected or not asking are admitted unchanged; one asking without a model gets a warning",
        arguments: [
            ("review-injected-pod.json", nil), ("review-pod-without-annotation.json", nil),
            ("review-pod-without-model.json", "no driftwatch.dev/model annotation"),
        ] as [(String, String?)])
    func unchanged(fixture name: String, warning: String?) async throws {
        let (response, pod) = try await admit(try fixture(name))
        #expect(response["patch"] == nil)
        #expect(response["patchType"] == nil)
        let warnings = response["warnings"] as? [String] ?? []
        if let warning {
            #expect(warnings.count == 1 && warnings[0].contains(warning), "\(warnings)")
        } else {
            #expect(warnings.isEmpty)
        }
        #expect(!Self.containers(pod).isEmpty)
    }

    @Test(
        "An annotation the sidecar or the API server would refuse: admitted unchanged, with a warning naming it",
        arguments: [
            ("driftwatch.dev/topic", "^[bad", "is not a Kafka topic name"),
            ("driftwatch.dev/topic", "logs\n--bootstrap", "\"logs\\n--bootstrap\" is not a Kafka topic name"),
            ("driftwatch.dev/topic", String(repeating: "t", count: 250), "is not a Kafka topic name"),
            ("driftwatch.dev/topic", "..", "is not a Kafka topic name"),
            ("driftwatch.dev/reference-configmap", "Fraud_Reference", "is not a ConfigMap name"),
            ("driftwatch.dev/config-configmap", "a..b", "is not a ConfigMap name"),
            ("driftwatch.dev/model", "Fraud_Detector", "set driftwatch.dev/reference-configmap"),
        ])
    func refusedAnnotation(key: String, value: String, warning: String) async throws {
        var review = try #require(JSONSerialization.jsonObject(with: try fixture("review-deployment-pod.json")) as? [String: Any])
        var request = try #require(review["request"] as? [String: Any])
        var pod = try #require(request["object"] as? [String: Any])
        var metadata = try #require(pod["metadata"] as? [String: Any])
        var annotations = try #require(metadata["annotations"] as? [String: String])
        annotations[key] = value
        // The fixture names its reference ConfigMap; without it the name comes from the model.
        if key == "driftwatch.dev/model" { annotations["driftwatch.dev/reference-configmap"] = nil }
        metadata["annotations"] = annotations
        pod["metadata"] = metadata
        request["object"] = pod
        review["request"] = request
        let (response, admitted) = try await admit(try JSONSerialization.data(withJSONObject: review))
        #expect(response["patch"] == nil)
        let warnings = response["warnings"] as? [String] ?? []
        #expect(warnings.count == 1 && warnings[0].contains(warning) && warnings[0].contains(key), "\(warnings)")
        #expect(warnings.allSatisfy { $0.utf8.count < 400 && !$0.contains("\n") })
        #expect(Self.containers(admitted).count == 1)
    }

    @Test(
        "A body that is not an AdmissionReview v1 is refused with 400 and the reason",
        arguments: [
            (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}"#, "request.uid is missing"),
            (#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"1"}}"#, "admission.k8s.io/v1beta1 is not supported"),
            (#"{"kind":"Pod"}"#, "kind is not AdmissionReview"),
            ("{\"apiVersion\":", "the body is not JSON"),
        ])
    func malformed(body: String, reason: String) async throws {
        let (status, answer) = try await post(Data(body.utf8))
        #expect(status == 400)
        #expect(String(decoding: answer, as: UTF8.self).contains(reason))
    }

    @Test("The malformed fixture (no uid) is refused; plain HTTP on the TLS port gets no answer")
    func malformedFixtureAndPlainHTTP() async throws {
        let (status, _) = try await post(try fixture("review-malformed.json"))
        #expect(status == 400)
        let (plain, error) = try await post(try fixture("review-deployment-pod.json"), scheme: "http")
        #expect(plain == 0, "\(String(decoding: error, as: UTF8.self))")
    }
}
