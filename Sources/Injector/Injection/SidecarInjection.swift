import HTTP

/// Decides whether a pod gets the driftwatch sidecar and writes the JSON Patch (RFC 6902)
/// that adds it: the container, its volumes, the status annotation and the injected label.
///
/// Idempotent: a pod with the status annotation or a container named `driftwatch` is left
/// alone, so a reinvocation or a pod re-created from an injected template is not injected twice.
struct SidecarInjection {
    enum Decision: Equatable {
        case inject(model: String)
        /// Nothing to do; the reason goes to the log, and to the API server as a warning when
        /// the pod asked for injection.
        case skip(String, warn: Bool)
    }

    let settings: InjectionSettings

    /// - Parameter pod: the Pod object of the AdmissionReview, as parsed JSON.
    func decide(_ pod: JSONValue) -> Decision {
        let metadata = pod["metadata"] ?? [:]
        let annotations = Self.strings(metadata["annotations"])
        guard annotations[PodAnnotations.inject] == "true" else { return .skip("not requested", warn: false) }
        if annotations[PodAnnotations.status] != nil { return .skip("already injected", warn: false) }
        let containers = pod["spec"]?["containers"]?.array ?? []
        if containers.contains(where: { $0["name"]?.string == PodAnnotations.container }) {
            return .skip("a container named driftwatch exists", warn: false)
        }
        guard let model = model(of: metadata, annotations: annotations) else {
            return .skip(
                "\(PodAnnotations.inject) is true but the pod has no \(PodAnnotations.model) annotation and no app.kubernetes.io/name or app label; driftwatch not injected",
                warn: true)
        }
        guard Self.isLabelValue(model) else {
            return .skip("model name \(model) is not a valid label value (63 characters of [A-Za-z0-9._-]); driftwatch not injected", warn: true)
        }
        // A value the sidecar or the API server would refuse: the pod would start with a
        // sidecar that exits at once, or not be created at all.
        if let topic = annotations[PodAnnotations.topic], !Self.isTopicName(topic) {
            return .skip(
                "\(PodAnnotations.topic) \(Self.quoted(topic)) is not a Kafka topic name (1-249 characters of [a-zA-Z0-9._-], not . or ..); driftwatch not injected",
                warn: true)
        }
        for key in [PodAnnotations.reference, PodAnnotations.config] {
            if let name = annotations[key], !Self.isConfigMapName(name) {
                return .skip(
                    "\(key) \(Self.quoted(name)) is not a ConfigMap name (a DNS subdomain: 253 characters of [a-z0-9.-]); driftwatch not injected",
                    warn: true)
            }
        }
        if annotations[PodAnnotations.reference] == nil, !Self.isConfigMapName("\(model)-reference") {
            return .skip(
                "the ConfigMap name \(model)-reference derived from the model is not a DNS subdomain; set \(PodAnnotations.reference), or a lowercase \(PodAnnotations.model)",
                warn: true)
        }
        return .inject(model: model)
    }

    /// What Kafka accepts as a topic name (`Topic.validate` in Apache Kafka's clients).
    static func isTopicName(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 249, value != ".", value != ".." else { return false }
        return value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E
                || byte == 0x5F
        }
    }

    /// A DNS-1123 subdomain, as the API server checks an object's name.
    static func isConfigMapName(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 253 else { return false }
        return value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last, bytes.count <= 63 else { return false }
            let lowerAlphanumeric: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }
            return lowerAlphanumeric(first) && lowerAlphanumeric(last) && bytes.allSatisfy { lowerAlphanumeric($0) || $0 == 0x2D }
        }
    }

    /// An annotation's value for a warning: control characters escaped, cut at 64 bytes.
    static func quoted(_ value: String) -> String {
        var text = ""
        for scalar in value.unicodeScalars.prefix(64) {
            text += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return "\"" + text + (value.unicodeScalars.count > 64 ? "…" : "") + "\""
    }

    private func model(of metadata: JSONValue, annotations: [String: String]) -> String? {
        if let model = annotations[PodAnnotations.model], !model.isEmpty { return model }
        let labels = Self.strings(metadata["labels"])
        return labels["app.kubernetes.io/name"] ?? labels["app"]
    }

    static func isLabelValue(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 63 else { return false }
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E
                || byte == 0x5F
        }
        let alphanumeric: (UInt8) -> Bool = { $0 != 0x2D && $0 != 0x2E && $0 != 0x5F }
        return allowed && alphanumeric(value.utf8.first!) && alphanumeric(value.utf8.last!)
    }

    /// The JSON Patch operations that add the sidecar to `pod` for `model`.
    func patch(_ pod: JSONValue, model: String) -> [JSONValue] {
        let metadata = pod["metadata"] ?? [:]
        let annotations = Self.strings(metadata["annotations"])
        let spec = pod["spec"] ?? [:]
        let topic = annotations[PodAnnotations.topic] ?? settings.defaultTopic
        let reference = annotations[PodAnnotations.reference] ?? "\(model)-reference"
        let config = annotations[PodAnnotations.config]

        var operations: [JSONValue] = []
        if metadata["annotations"] == nil {
            operations.append(["op": "add", "path": "/metadata/annotations", "value": .object([PodAnnotations.status: "injected"])])
        } else {
            operations.append(["op": "add", "path": .string("/metadata/annotations/\(Self.escape(PodAnnotations.status))"), "value": "injected"])
        }
        if metadata["labels"] == nil {
            operations.append(["op": "add", "path": "/metadata/labels", "value": .object([PodAnnotations.injectedLabel: "true"])])
        } else {
            operations.append(["op": "add", "path": .string("/metadata/labels/\(Self.escape(PodAnnotations.injectedLabel))"), "value": "true"])
        }
        operations.append(["op": "add", "path": "/spec/containers/-", "value": container(model: model, topic: topic, config: config != nil)])

        var volumes: [JSONValue] = [
            ["name": "driftwatch-reference", "configMap": ["name": .string(reference)]],
            ["name": "driftwatch-tmp", "emptyDir": ["sizeLimit": "16Mi"]],
        ]
        if let config { volumes.append(["name": "driftwatch-config", "configMap": ["name": .string(config)]]) }
        if spec["volumes"] == nil {
            operations.append(["op": "add", "path": "/spec/volumes", "value": .array(volumes)])
        } else {
            for volume in volumes { operations.append(["op": "add", "path": "/spec/volumes/-", "value": volume]) }
        }
        return operations
    }

    private func container(model: String, topic: String, config: Bool) -> JSONValue {
        var arguments = ["run"]
        if config { arguments += ["--config", "/etc/driftwatch/config/driftwatch.yaml"] }
        arguments += [
            "--bootstrap", settings.bootstrap, "--topic", topic, "--group", "driftwatch-\(model)", "--model", model,
            "--reference", "/etc/driftwatch/reference/reference.json", "--events-topic", settings.eventsTopic,
            "--dlq-topic", settings.dlqTopic, "--http-port", String(settings.metricsPort), "--log-format", "json",
        ]
        var mounts: [JSONValue] = [
            ["name": "driftwatch-reference", "mountPath": "/etc/driftwatch/reference", "readOnly": true],
            ["name": "driftwatch-tmp", "mountPath": "/tmp"],
        ]
        if config { mounts.append(["name": "driftwatch-config", "mountPath": "/etc/driftwatch/config", "readOnly": true]) }
        let probe: (String) -> JSONValue = { path in ["httpGet": ["path": .string(path), "port": "dw-metrics"], "periodSeconds": 10] }
        return [
            "name": .string(PodAnnotations.container),
            "image": .string(settings.image),
            "args": .array(arguments.map(JSONValue.string)),
            "ports": [["name": "dw-metrics", "containerPort": .number(Double(settings.metricsPort))]],
            "resources": [
                "requests": ["cpu": .string(settings.cpuRequest), "memory": .string(settings.memoryRequest)],
                "limits": ["memory": .string(settings.memoryLimit)],
            ],
            "livenessProbe": probe("/healthz"),
            "readinessProbe": probe("/readyz"),
            "securityContext": [
                "runAsNonRoot": true, "runAsUser": 65532, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                "capabilities": ["drop": ["ALL"]],
            ],
            "volumeMounts": .array(mounts),
        ]
    }

    /// A mapping of strings (annotations, labels); a value of another type is left out.
    private static func strings(_ value: JSONValue?) -> [String: String] {
        value?.object?.compactMapValues(\.string) ?? [:]
    }

    /// A JSON Pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`.
    static func escape(_ segment: String) -> String {
        segment.replacing("~", with: "~0").replacing("/", with: "~1")
    }
}
