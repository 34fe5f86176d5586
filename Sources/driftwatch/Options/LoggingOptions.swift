import Agent
import ArgumentParser
import Logging
import Telemetry

/// `--log-level` and `--log-format`, shared by the commands that run for a while.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level (trace, debug, info, notice, warning, error).") var logLevel: Logger.Level?
    @Option(help: "Log format: text, or json (one object per line).") var logFormat: LogFormat?

    /// The logger, with the command's defaults for what was not given.
    func logger(level: Logger.Level = .info, format: LogFormat = .text) -> Logger {
        .driftwatch(level: logLevel ?? level, format: logFormat ?? format)
    }
}

// A value outside the set is an error naming the choices, not a silent default.
extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension ScaleOutSettings.Role: ExpressibleByArgument {}
