import Agent
import Foundation
import KafkaIO
import TestSupport
import Testing

/// `kafka.security`: TLS and SASL settings become librdkafka properties, secrets come from
/// files or the environment, and no secret reaches a log line or an error message.
@Suite("Kafka security settings")
struct KafkaSecurityTests {
    static let secret = "s3cr3t-\(UUID().uuidString)"

    /// A file holding `text` in a fresh directory.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-secret-\(UUID())").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func security(_ yaml: String, environment: [String: String] = [:]) throws -> KafkaSecurity {
        try AgentConfiguration.parse(yaml: "kafka:\n  security:\n" + yaml, name: "agent.yaml", environment: environment).kafka.security
    }

    @Test("SCRAM over TLS with the password from a file (its final CRLF dropped), and mutual TLS")
    func scramOverTLS() throws {
        let password = try Self.file(Self.secret + "\r\n")
        let certificate = try Self.file("cert")
        let key = try Self.file("key")
        let properties = try Self.security(
            """
                protocol: sasl_ssl
                mechanism: scram-sha-512
                username: driftwatch
                password_file: \(password)
                ca_file: \(certificate)
                certificate_file: \(certificate)
                key_file: \(key)
            """
        ).properties()
        #expect(
            properties == [
                "security.protocol": "sasl_ssl", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "driftwatch",
                "sasl.password": Self.secret, "ssl.ca.location": certificate, "ssl.certificate.location": certificate,
                "ssl.key.location": key,
            ])
    }

    @Test("PLAIN with the password from the environment; OAUTHBEARER with OIDC client credentials")
    func plainAndOAuth() throws {
        let plain = try Self.security(
            "    protocol: SASL_PLAINTEXT\n    mechanism: PLAIN\n    username: u\n    password: ${KAFKA_PASSWORD}\n",
            environment: ["KAFKA_PASSWORD": Self.secret])
        #expect(try plain.properties()["sasl.password"] == Self.secret)
        let clientSecret = try Self.file(Self.secret)
        let oauth = try Self.security(
            """
                protocol: SASL_SSL
                mechanism: OAUTHBEARER
                oauth_token_endpoint: https://idp.example/token
                oauth_client_id: driftwatch
                oauth_client_secret_file: \(clientSecret)
                oauth_scope: kafka
            """)
        #expect(
            try oauth.properties() == [
                "security.protocol": "sasl_ssl", "sasl.mechanisms": "OAUTHBEARER", "sasl.oauthbearer.method": "oidc",
                "sasl.oauthbearer.token.endpoint.url": "https://idp.example/token", "sasl.oauthbearer.client.id": "driftwatch",
                "sasl.oauthbearer.client.secret": Self.secret, "sasl.oauthbearer.scope": "kafka",
            ])
    }

    @Test(
        "Inconsistent settings are errors naming the key, never the secret",
        arguments: [
            ("    protocol: SASL_SSL\n", "kafka.security.mechanism: required with SASL_SSL"),
            ("    protocol: TLS\n", "kafka.security.protocol: 'TLS' is not one of"),
            ("    protocol: SASL_SSL\n    mechanism: GSSAPI\n", "kafka.security.mechanism: 'GSSAPI' is not one of"),
            ("    protocol: SASL_SSL\n    mechanism: PLAIN\n    password: SECRET\n", "kafka.security.username: required with PLAIN"),
            ("    protocol: SASL_SSL\n    mechanism: PLAIN\n    username: u\n    password: SECRET\n    password_file: /nonexistent\n",
             "kafka.security.password_file: give password or password_file, not both"),
            ("    protocol: SASL_SSL\n    mechanism: PLAIN\n    username: u\n    password_file: /nonexistent/password\n",
             "kafka.security.password_file: cannot read /nonexistent/password"),
            ("    mechanism: PLAIN\n    username: u\n    password: SECRET\n", "kafka.security.mechanism: needs protocol SASL_PLAINTEXT or SASL_SSL"),
            ("    protocol: SSL\n    certificate_file: /etc/passwd\n", "kafka.security.key_file: mutual TLS needs both"),
            ("    protocol: SASL_PLAINTEXT\n    mechanism: OAUTHBEARER\n    oauth_client_id: c\n", "kafka.security.oauth_token_endpoint: required"),
        ])
    func problems(yaml: String, expected: String) throws {
        var message = "no error"
        do {
            // A value outside a closed set is refused while reading; the rest by properties().
            _ = try Self.security(yaml.replacingOccurrences(of: "SECRET", with: Self.secret)).properties()
        } catch {
            message = "\(error)"
        }
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains(Self.secret))
    }

    @Test("A misspelt security key names its line")
    func unknownKey() {
        var message = "no error"
        do { _ = try Self.security("    protocol: SSL\n    ca_path: /ca.pem\n") } catch { message = "\(error)" }
        #expect(message.hasPrefix("agent.yaml: line 4, column 5: unknown key 'kafka.security.ca_path'"), "\(message)")
    }
}

extension AgentOnKafka {
    @Suite("Kafka security with the driftwatch process", .serialized)
    struct KafkaSecurityProcessTests {
        @Test("The process asks the broker for SASL PLAIN with the file's password, reports itself not ready, and never prints the password")
        func saslAgainstBroker() async throws {
            // The mock cluster speaks no SASL: the handshake's refusal shows the settings reached librdkafka.
            let cluster = try AgentHarness.cluster(partitions: 1)
            let password = try KafkaSecurityTests.file(KafkaSecurityTests.secret + "\n")
            let (directory, configuration, _) = try AgentHarness.processSetup(cluster)
            defer { try? FileManager.default.removeItem(at: directory) }
            var yaml = try String(contentsOfFile: configuration, encoding: .utf8)
            yaml = yaml.replacingOccurrences(
                of: "  dlq_topic: dlq\n",
                with: "  dlq_topic: dlq\n  security:\n    protocol: SASL_PLAINTEXT\n    mechanism: PLAIN\n    username: driftwatch\n    password_file: \(password)\n")
            try yaml.write(toFile: configuration, atomically: true, encoding: .utf8)

            let (agent, port) = try await AgentProcess.run(configuration: configuration)
            let refused = try await agent.waitForLine(containing: "SASL", "mechanism PLAIN", timeout: .seconds(30))
            #expect(refused != nil, "\(agent.log.suffix(5))")
            // Refused by the broker: never assigned partitions, never ready.
            let ready = try await LocalHTTP.get(port: port, "/readyz")
            #expect(ready.status == 503, "\(ready.body)")
            agent.kill(SIGTERM)
            #expect(!agent.log.isEmpty)
            #expect(!agent.log.contains { $0.contains(KafkaSecurityTests.secret) })
        }
    }
}
