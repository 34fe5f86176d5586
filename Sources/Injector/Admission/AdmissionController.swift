import FoundationEssentials
import HTTP
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
            return (200, response.bytes)
        } catch {
            logger.warning("malformed admission review", metadata: ["error": "\(error)"])
            return (400, Array("\(error)\n".utf8))
        }
    }

    func review(_ request: AdmissionRequest) -> JSONValue {
        var response: [String: JSONValue] = ["uid": .string(request.uid), "allowed": true]
        let about: Logger.Metadata = [
            "uid": "\(request.uid)", "namespace": "\(request.namespace ?? "")", "pod": "\(request.podName ?? "")",
        ]
        if request.kind == "Pod", request.operation == "CREATE", let pod = request.object {
            switch injection.decide(pod) {
            case .inject(let model):
                let operations = injection.patch(pod, model: model)
                response["patchType"] = "JSONPatch"
                response["patch"] = .string(Data(JSONValue.array(operations).bytes).base64EncodedString())
                logger.info("sidecar injected", metadata: about.merging(["model": "\(model)"]) { $1 })
            case .skip(let reason, let warn):
                if warn { response["warnings"] = [.string(reason)] }
                logger.debug("not injected", metadata: about.merging(["reason": "\(reason)"]) { $1 })
            }
        }
        return ["apiVersion": .string(Self.apiVersion), "kind": "AdmissionReview", "response": .object(response)]
    }
}

/// The parts of an AdmissionReview v1 request the injector reads.
struct AdmissionRequest {
    var uid: String
    var kind: String?
    var operation: String?
    var namespace: String?
    /// The Pod, a JSON object.
    var object: JSONValue?

    /// The pod's name, or its generateName prefix (pods of a ReplicaSet have no name yet).
    var podName: String? {
        let metadata = object?["metadata"]
        return metadata?["name"]?.string ?? metadata?["generateName"]?.string
    }

    init(_ body: [UInt8]) throws(AdmissionError) {
        let review: JSONValue
        do {
            review = try JSONValue(parsing: body)
        } catch {
            throw .malformedJSON(String(describing: error))
        }
        guard review.object != nil else { throw .notAReview("the body is not a JSON object") }
        guard review["kind"]?.string == "AdmissionReview" else { throw .notAReview("kind is not AdmissionReview") }
        guard review["apiVersion"]?.string == AdmissionController.apiVersion else {
            throw .unsupportedVersion(review["apiVersion"]?.string ?? "none")
        }
        guard let request = review["request"], request.object != nil else { throw .notAReview("no request") }
        guard let uid = request["uid"]?.string, !uid.isEmpty else { throw .notAReview("request.uid is missing") }
        self.uid = uid
        kind = request["kind"]?["kind"]?.string
        operation = request["operation"]?.string
        namespace = request["namespace"]?.string
        if let object = request["object"], object != .null {
            guard object.object != nil else { throw .notAReview("request.object is not an object") }
            self.object = object
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
