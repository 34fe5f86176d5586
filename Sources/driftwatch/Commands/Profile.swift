import Agent
import ArgumentParser
import DriftMonitor
import FoundationEssentials
import Ingest
import Registry

struct Profile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build a reference profile from reference records (JSON lines or CSV).")

    @Option(help: "Reference records: one JSON object per line, or CSV with a header (.csv).") var input: String
    @Option(help: "Where to write the profile (JSON): a file, or models:/<name>/<version>/<path> (or @<alias>) to upload it to that MLflow model version's run ($MLFLOW_TRACKING_URI).") var out: String
    @Option(help: "Model the profile is for.") var model: String?
    @Option(help: "PSI bins (reference quantiles).") var bins = 10
    @Option(help: "Version to record (default: a content hash).") var version: String?
    @OptionGroup var featureDeclarations: FeatureDeclarations

    func run() async throws {
        // A model URI is checked before the records are read.
        let registered = ModelURI.isModelURI(out) ? try ModelURI(parsing: out) : nil
        let client = try registered.map { _ in try MLflowClient() }
        let schema = try featureDeclarations.schema()
        let (profile, skipped) = try RecordFormat.open(path: input).profile(model: model, bins: bins, version: version, schema: schema)
        for (line, error) in skipped.prefix(10) {
            StandardError.write("\(input):\(line): skipped: \(error)\n")
        }
        if let reason = profile.multivariateSkipped {
            StandardError.write("\(input): \(reason)\n")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = try encoder.encode(profile)
        if let registered, let client {
            let version = try await client.modelVersion(registered)
            try await client.upload(Array(bytes), as: registered.artifactPath, of: version)
            print("\(out): model version \(version) (run \(version.runID)), version \(profile.version), \(profile.rows) records, \(profile.features.count) features (\(skipped.count) lines skipped)")
            return
        }
        try bytes.write(to: URL(fileURLWithPath: out))
        print("\(out): version \(profile.version), \(profile.rows) records, \(profile.features.count) features (\(skipped.count) lines skipped)")
    }
}
