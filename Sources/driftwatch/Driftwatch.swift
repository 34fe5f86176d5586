import Agent
import ArgumentParser

struct Driftwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driftwatch",
        abstract: "Streaming drift and data-quality monitoring for deployed ML models.",
        version: AgentRuntime.version,
        subcommands: [Run.self, Demo.self, Profile.self, Compare.self, CheckConfig.self, DevBroker.self, Produce.self, HookCommand.self, Inject.self]
    )
}
