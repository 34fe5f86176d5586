import Agent
import ArgumentParser
import DriftMonitor
import FoundationEssentials
import Logging

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a configuration file and its references.")

    @Argument(help: "The YAML configuration file.") var path: String

    func run() async throws {
        let loaded = try AgentConfiguration.load(path: path)
        try loaded.validate()
        // A models:/ reference is looked up and downloaded as the agent would.
        var quiet = Logger(label: "check-config")
        quiet.logLevel = .error
        let (configuration, versions) = try await AgentRuntime.downloadRegistered(loaded, logger: quiet)
        for model in configuration.models {
            if let records = model.bootstrapRecords, !FileManager.default.fileExists(atPath: model.reference) {
                let window = try model.windowSpec(defaultRecords: configuration.windowRecords)
                print("model \(model.name): reference bootstrapped from the first \(records) records of the stream into \(model.reference), windows of \(window)")
                continue
            }
            let reference = try AgentRuntime.loadReference(of: model, fields: configuration.jsonFields)
            let window = try model.windowSpec(defaultRecords: configuration.windowRecords)
            let registered = versions[model.name].map { " (MLflow model version \($0))" } ?? ""
            print("model \(model.name): reference \(reference.version)\(registered), \(reference.features.count) features monitored, windows of \(window)")
        }
        print("\(path): ok (\(configuration.models.count) models, topics \(configuration.kafka.topics.joined(separator: ", ")))")
    }
}
