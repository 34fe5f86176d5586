import ArgumentParser
import Injector

struct Inject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the mutating admission webhook that adds the driftwatch sidecar to annotated pods.",
        discussion: """
            Pods annotated driftwatch.dev/inject: "true" get a driftwatch container watching the topic of \
            driftwatch.dev/topic (else --default-topic) for the model of driftwatch.dev/model (else the pod's \
            app.kubernetes.io/name or app label), with the reference profile of the ConfigMap named by \
            driftwatch.dev/reference-configmap (else <model>-reference) and, if driftwatch.dev/config-configmap \
            names one, the full configuration in it. A pod is never injected twice.
            """)

    @Option(help: "PEM certificate chain served by the webhook (re-read when it changes).") var tlsCert: String
    @Option(help: "PEM private key of the certificate.") var tlsKey: String
    @Option(help: "HTTPS port.") var port = 8443
    @Option(help: "The driftwatch image of the injected container.") var image: String
    @Option(help: "Kafka bootstrap servers of the injected agents.") var bootstrap: String
    @Option(help: "Topic of pods without a driftwatch.dev/topic annotation.") var defaultTopic = "inference-logs"
    @Option(help: "Events topic of the injected agents.") var eventsTopic = "driftwatch.events"
    @Option(help: "Dead-letter topic of the injected agents.") var dlqTopic = "driftwatch.dlq"
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var settings = InjectionSettings(image: image, bootstrap: bootstrap)
        settings.defaultTopic = defaultTopic
        settings.eventsTopic = eventsTopic
        settings.dlqTopic = dlqTopic
        let logger = logging.logger()
        let server = try InjectorServer(
            port: port, certificatePath: tlsCert, keyPath: tlsKey, controller: AdmissionController(settings: settings, logger: logger), logger: logger)
        try await server.runUntilSignalled()
    }
}
