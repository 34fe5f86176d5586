import FoundationEssentials

/// How the agent authenticates to Kafka and encrypts the connection (`kafka.security`):
/// TLS, and SASL PLAIN, SCRAM-SHA-256/512 or OAUTHBEARER (OIDC client credentials).
///
/// Secrets come from files (a mounted Kubernetes Secret: `password_file`, ...) or from the
/// environment (`password: ${KAFKA_PASSWORD}`), are handed to librdkafka only, and appear in
/// no log line and no error message: errors name the key and the file, never the content.
public struct KafkaSecurity: Sendable, Codable, Hashable {
    /// librdkafka's `security.protocol` (written in any case).
    public enum SecurityProtocol: String, Sendable, Hashable, Codable, CaseIterable {
        case plaintext = "PLAINTEXT"
        case ssl = "SSL"
        case saslPlaintext = "SASL_PLAINTEXT"
        case saslSSL = "SASL_SSL"

        var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
        var usesTLS: Bool { self == .ssl || self == .saslSSL }
    }

    /// librdkafka's `sasl.mechanisms` (written in any case).
    public enum Mechanism: String, Sendable, Hashable, Codable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
        case oauthBearer = "OAUTHBEARER"
    }

    public var `protocol` = SecurityProtocol.plaintext
    /// Required with SASL.
    public var mechanism: Mechanism?
    public var username: String?
    public var password: String?
    public var passwordFile: String?
    /// PEM files: the brokers' CA, and the client's certificate and key for mutual TLS.
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?
    public var keyPasswordFile: String?
    public var oauthTokenEndpoint: String?
    public var oauthClientID: String?
    public var oauthClientSecret: String?
    public var oauthClientSecretFile: String?
    public var oauthScope: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case `protocol`, mechanism, username, password
        case passwordFile = "password_file"
        case caFile = "ca_file"
        case certificateFile = "certificate_file"
        case keyFile = "key_file"
        case keyPasswordFile = "key_password_file"
        case oauthTokenEndpoint = "oauth_token_endpoint"
        case oauthClientID = "oauth_client_id"
        case oauthClientSecret = "oauth_client_secret"
        case oauthClientSecretFile = "oauth_client_secret_file"
        case oauthScope = "oauth_scope"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        `protocol` = try container.decodeChoice(SecurityProtocol.self, forKey: .protocol, normalizing: { $0.uppercased() }) ?? .plaintext
        mechanism = try container.decodeChoice(Mechanism.self, forKey: .mechanism, normalizing: { $0.uppercased() })
        username = try container.decodeIfPresent(String.self, forKey: .username)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        passwordFile = try container.decodeIfPresent(String.self, forKey: .passwordFile)
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        certificateFile = try container.decodeIfPresent(String.self, forKey: .certificateFile)
        keyFile = try container.decodeIfPresent(String.self, forKey: .keyFile)
        keyPasswordFile = try container.decodeIfPresent(String.self, forKey: .keyPasswordFile)
        oauthTokenEndpoint = try container.decodeIfPresent(String.self, forKey: .oauthTokenEndpoint)
        oauthClientID = try container.decodeIfPresent(String.self, forKey: .oauthClientID)
        oauthClientSecret = try container.decodeIfPresent(String.self, forKey: .oauthClientSecret)
        oauthClientSecretFile = try container.decodeIfPresent(String.self, forKey: .oauthClientSecretFile)
        oauthScope = try container.decodeIfPresent(String.self, forKey: .oauthScope)
    }

    /// The settings' problems, as `kafka.security.KEY: what is wrong` (no values).
    func problems() -> [String] {
        var problems: [String] = []
        func problem(_ key: CodingKeys, _ text: String) { problems.append("kafka.security.\(key.stringValue): \(text)") }
        let sasl = `protocol`.usesSASL
        let tls = `protocol`.usesTLS
        switch (sasl, mechanism) {
        case (true, nil):
            problem(.mechanism, "required with \(`protocol`.rawValue): one of \(Mechanism.allCases.map(\.rawValue).joined(separator: ", "))")
        case (false, .some):
            problem(.mechanism, "needs protocol SASL_PLAINTEXT or SASL_SSL")
        default: break
        }
        if password != nil && passwordFile != nil { problem(.passwordFile, "give password or password_file, not both") }
        if oauthClientSecret != nil && oauthClientSecretFile != nil {
            problem(.oauthClientSecretFile, "give oauth_client_secret or oauth_client_secret_file, not both")
        }
        if sasl, let mechanism, mechanism != .oauthBearer {
            if username == nil { problem(.username, "required with \(mechanism.rawValue)") }
            if password == nil && passwordFile == nil { problem(.password, "required with \(mechanism.rawValue) (or password_file)") }
        }
        if mechanism == .oauthBearer {
            if oauthTokenEndpoint == nil { problem(.oauthTokenEndpoint, "required with OAUTHBEARER") }
            if oauthClientID == nil { problem(.oauthClientID, "required with OAUTHBEARER") }
            if oauthClientSecret == nil && oauthClientSecretFile == nil {
                problem(.oauthClientSecretFile, "required with OAUTHBEARER (or oauth_client_secret)")
            }
        }
        if !tls {
            for (key, value) in [(CodingKeys.caFile, caFile), (.certificateFile, certificateFile), (.keyFile, keyFile), (.keyPasswordFile, keyPasswordFile)]
            where value != nil {
                problem(key, "needs protocol SSL or SASL_SSL")
            }
        }
        if (certificateFile == nil) != (keyFile == nil) {
            problem(certificateFile == nil ? .certificateFile : .keyFile, "mutual TLS needs both certificate_file and key_file")
        }
        for (key, path) in [
            (CodingKeys.passwordFile, passwordFile), (.caFile, caFile), (.certificateFile, certificateFile), (.keyFile, keyFile),
            (.keyPasswordFile, keyPasswordFile), (.oauthClientSecretFile, oauthClientSecretFile),
        ] {
            if let path, !FileManager.default.isReadableFile(atPath: path) { problem(key, "cannot read \(path)") }
        }
        return problems
    }

    /// The librdkafka properties, secrets read from their files (without final line breaks).
    public func properties() throws -> [String: String] {
        let problems = problems()
        if !problems.isEmpty { throw ConfigurationError(description: problems.joined(separator: "; ")) }
        var properties = ["security.protocol": `protocol`.rawValue.lowercased()]
        func secret(_ value: String?, file: String?, key: CodingKeys) throws -> String? {
            guard let file else { return value }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(description: "kafka.security.\(key.stringValue): cannot read \(file)")
            }
            // Editors and `kubectl create secret --from-file` leave a final newline; it is not part of the secret.
            var scalars = text.unicodeScalars
            while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
            return String(scalars)
        }
        if let mechanism {
            properties["sasl.mechanisms"] = mechanism.rawValue
            if mechanism == .oauthBearer {
                properties["sasl.oauthbearer.method"] = "oidc"
                properties["sasl.oauthbearer.token.endpoint.url"] = oauthTokenEndpoint
                properties["sasl.oauthbearer.client.id"] = oauthClientID
                properties["sasl.oauthbearer.client.secret"] = try secret(oauthClientSecret, file: oauthClientSecretFile, key: .oauthClientSecretFile)
                if let oauthScope { properties["sasl.oauthbearer.scope"] = oauthScope }
            } else {
                properties["sasl.username"] = username
                properties["sasl.password"] = try secret(password, file: passwordFile, key: .passwordFile)
            }
        }
        if let caFile { properties["ssl.ca.location"] = caFile }
        if let certificateFile { properties["ssl.certificate.location"] = certificateFile }
        if let keyFile { properties["ssl.key.location"] = keyFile }
        if let keyPasswordFile { properties["ssl.key.password"] = try secret(nil, file: keyPasswordFile, key: .keyPasswordFile) }
        return properties
    }
}
