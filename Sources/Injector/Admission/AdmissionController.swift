import Foundation
import Logging

/// Answers AdmissionReview v1 requests for pods: the sidecar patch for pods that ask for it,
/// an unchanged admission for every other pod. It never denies a pod.
public struct AdmissionController: Sendable {
    public static let apiVersion = "admission.k8s.io/v1"
    let injection: SidecarInjection
    let logger: Logger

    public init(settings: InjectionSettings, logger: Logger) {
        injection = SidecarInjection(settings: settings)
        self.logger = logger
    }

    /// The answer to a POSTed review: 200 with an AdmissionReview, or 400 with a message
    /// naming what is wrong when the body is not a review (the API server then applies the
    /// webhook's failurePolicy).
    public func respond(to body: [UInt8]) -> (status: Int, body: [UInt8]) {
        do {
            let request = try AdmissionRequest(body)
            let response = review(request)
            return (200, try JSONSerialization.data(withJSONObject: response, options: [.sortedKeys, .withoutEscapingSlashes]).map { $0 })
        } catch let error as AdmissionError {
            logger.warning("malformed admission review", metadata: ["error": "\(error)"])
            return (400, Array("\(error)\n".utf8))
        } catch {
            return (500, Array("cannot encode the response: \(error)\n".utf8))
        }
    }

    func review(_ request: AdmissionRequest) -> [String: Any] {
        var response: [String: Any] = ["uid": request.uid, "allowed": true]
        let about: Logger.Metadata = [
            "uid": "\(request.uid)", "namespace": "\(request.namespace ?? "")", "pod": "\(request.podName ?? "")",
        ]
        if request.kind == "Pod", request.operation == "CREATE", let pod = request.object {
            switch injection.decide(pod) {
            case .inject(let model):
                let operations = injection.patch(pod, model: model)
                if let patch = try? JSONSerialization.data(withJSONObject: operations, options: [.sortedKeys, .withoutEscapingSlashes]) {
                    response["patchType"] = "JSONPatch"
                    response["patch"] = patch.base64EncodedString()
                    logger.info("sidecar injected", metadata: about.merging(["model": "\(model)"]) { $1 })
                }
            case .skip(let reason, let warn):
                if warn { response["warnings"] = [reason] }
                logger.debug("not injected", metadata: about.merging(["reason": "\(reason)"]) { $1 })
            }
        }
        return ["apiVersion": Self.apiVersion, "kind": "AdmissionReview", "response": response]
    }
}

/// The parts of an AdmissionReview v1 request the injector reads.
struct AdmissionRequest {
    var uid: String
    var kind: String?
    var operation: String?
    var namespace: String?
    var object: [String: Any]?

    /// The pod's name, or its generateName prefix (pods of a ReplicaSet have no name yet).
    var podName: String? {
        let metadata = object?["metadata"] as? [String: Any]
        return metadata?["name"] as? String ?? metadata?["generateName"] as? String
    }

    init(_ body: [UInt8]) throws(AdmissionError) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw .malformedJSON(String(describing: error))
        }
        guard let review = parsed as? [String: Any] else { throw .notAReview("the body is not a JSON object") }
        guard review["kind"] as? String == "AdmissionReview" else { throw .notAReview("kind is not AdmissionReview") }
        guard review["apiVersion"] as? String == AdmissionController.apiVersion else {
            throw .unsupportedVersion(review["apiVersion"] as? String ?? "none")
        }
        guard let request = review["request"] as? [String: Any] else { throw .notAReview("no request") }
        guard let uid = request["uid"] as? String, !uid.isEmpty else { throw .notAReview("request.uid is missing") }
        self.uid = uid
        kind = (request["kind"] as? [String: Any])?["kind"] as? String
        operation = request["operation"] as? String
        namespace = request["namespace"] as? String
        if let object = request["object"], !(object is NSNull) {
            guard let pod = object as? [String: Any] else { throw .notAReview("request.object is not an object") }
            self.object = pod
        }
    }
}

/// Why a POSTed body is not an AdmissionReview the injector can answer.
enum AdmissionError: Error, CustomStringConvertible {
    case malformedJSON(String)
    case notAReview(String)
    case unsupportedVersion(String)

    var description: String {
        switch self {
        case .malformedJSON(let detail): "not an AdmissionReview: the body is not JSON: \(detail)"
        case .notAReview(let detail): "not an AdmissionReview: \(detail)"
        case .unsupportedVersion(let version): "AdmissionReview \(version) is not supported; the webhook speaks \(AdmissionController.apiVersion)"
        }
    }
}
