import HTTP
import Registry
import Testing

@Suite("Model URIs and the tracking server's address")
struct ModelURITests {
    @Test("MLflow's two URI forms parse to name, alias or version, and artifact path", arguments: [
        ("models:/fraud@champion/reference/profile.json", "fraud", ModelURI.Selector.alias("champion"), "reference/profile.json"),
        ("models:/fraud/12/profile.json", "fraud", .version("12"), "profile.json"),
        ("models:/team.fraud-v2@prod/a/b/c.jsonl", "team.fraud-v2", .alias("prod"), "a/b/c.jsonl"),
    ])
    func parses(text: String, name: String, selector: ModelURI.Selector, path: String) throws {
        let uri = try ModelURI(parsing: text)
        #expect(uri.name == name && uri.selector == selector && uri.artifactPath == path)
        #expect(uri.description == text)
    }

    @Test("Anything else is refused with its reason", arguments: [
        ("runs:/abc/profile.json", "does not start with models:/"),
        ("models:/", "no model name"),
        ("models:/fraud@/profile.json", "an empty alias"),
        ("models:/fraud/latest/profile.json", "models:/<name>@<alias>/<path> or models:/<name>/<version>/<path>"),
        ("models:/fraud/3", "no artifact path"),
        ("models:/fraud@champion/../secrets", "no artifact path"),
        ("models:/fraud@champion/a//b", "no artifact path"),
        ("models:/fraud@champion/a b", "spaces"),
        ("models:/@champion/p", "no model name"),
    ])
    func refuses(text: String, reason: String) {
        let error = #expect(throws: RegistryError.self) { try ModelURI(parsing: text) }
        #expect(error.map { "\($0)" }?.contains(reason) == true, "\(error.map { "\($0)" } ?? "no error")")
    }

    @Test("The tracking server from the environment: a URL, and a token or user and password as MLflow's clients send them")
    func environment() throws {
        let server = try MLflowClient(environment: ["MLFLOW_TRACKING_URI": "https://mlflow.example:8443/prefix/"]).server
        #expect(server.secure && server.host == "mlflow.example" && server.port == 8443 && server.pathAndQuery == "/prefix")
        #expect(throws: RegistryError.self) { try MLflowClient(environment: [:]) }
        #expect(throws: RegistryError.self) { try MLflowClient(environment: ["MLFLOW_TRACKING_URI": "file:///tmp/mlruns"]) }
        #expect(throws: RegistryError.self) { try MLflowClient(environment: ["MLFLOW_TRACKING_URI": "http://user:secret@host"]) }
    }
}
