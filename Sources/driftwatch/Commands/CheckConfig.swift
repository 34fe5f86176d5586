import Agent
import ArgumentParser
import DriftMonitor
import Foundation

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a configuration file and its references.")

    @Argument(help: "The YAML configuration file.") var path: String

    func run() throws {
        let configuration = try AgentConfiguration.load(path: path)
        try configuration.validate()
        for model in configuration.models {
            if let records = model.bootstrapRecords, !FileManager.default.fileExists(atPath: model.reference) {
                let window = try model.windowSpec(defaultRecords: configuration.windowRecords)
                print("model \(model.name): reference bootstrapped from the first \(records) records of the stream into \(model.reference), windows of \(window)")
                continue
            }
            let reference = try AgentRuntime.loadReference(of: model, fields: configuration.jsonFields)
            let window = try model.windowSpec(defaultRecords: configuration.windowRecords)
            print("model \(model.name): reference \(reference.version), \(reference.features.count) features monitored, windows of \(window)")
        }
        print("\(path): ok (\(configuration.models.count) models, topics \(configuration.kafka.topics.joined(separator: ", ")))")
    }
}
