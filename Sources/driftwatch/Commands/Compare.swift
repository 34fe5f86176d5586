import ArgumentParser
import DriftMonitor
import Foundation
import Ingest
import Synchronization

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare current data with reference data, offline, with the engine 'run' uses.",
        discussion: """
            Both files are JSON lines (flat objects, or with a "features" object) or CSV with a header \
            (by extension). The schema is inferred from the reference, with --feature declarations over it. \
            Exit status 0, or 3 with \
            --fail-on-drift when a feature drifted.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Reference records (.jsonl or .csv).") var reference: String
    @Option(help: "Current records (.jsonl or .csv).") var current: String
    @Option(help: "Output format.") var format: Format = .table
    @Option(help: "PSI bins (reference quantiles).") var bins = 10
    @Option(help: "PSI drift threshold.") var psiThreshold: Double?
    @Flag(help: "Exit with status 3 when any feature drifted.") var failOnDrift = false
    @OptionGroup var featureDeclarations: FeatureDeclarations

    func run() throws {
        var policy = DriftPolicy()
        policy.bins = bins
        if let psiThreshold {
            policy.driftThreshold = psiThreshold
            policy.warnThreshold = min(policy.warnThreshold, psiThreshold)
        }
        try policy.validate()
        let schema = try featureDeclarations.schema()
        let referenceFile = try RecordFormat.open(path: reference)
        let features = schema.applied(to: try referenceFile.inferSchema())
        // The two files decode on two threads.
        var (referenceContents, currentContents) = try Self.readBoth(
            referenceFile, current, features: features, booleans: Set(schema.booleans))
        if let full = try referenceFile.fullSchema(ifMissedBy: referenceContents, schema: schema) {
            (referenceContents, currentContents) = try Self.readBoth(referenceFile, current, features: full, booleans: Set(schema.booleans))
        }
        for (path, contents) in [(reference, referenceContents), (current, currentContents)] {
            for (line, error) in contents.invalid.prefix(10) {
                FileHandle.standardError.write(Data("\(path):\(line): skipped: \(error)\n".utf8))
            }
            if contents.invalid.count > 10 {
                FileHandle.standardError.write(Data("\(path): \(contents.invalid.count) records skipped in all\n".utf8))
            }
        }
        guard currentContents.batch.count > 0 else { throw ValidationError("\(current): no record to compare") }
        let comparison = try Comparison(
            features: features, reference: referenceContents.batch, referenceDictionaries: referenceContents.dictionaries,
            current: currentContents.batch, currentDictionaries: currentContents.dictionaries, policy: policy)
        switch format {
        case .json: print(comparison.json())
        case .table: print(comparison.table(), terminator: "")
        }
        if failOnDrift && !comparison.report.driftedFeatures.isEmpty { throw ExitCode(3) }
    }

    static func readBoth(
        _ referenceFile: any RecordFile, _ currentPath: String, features: [Feature], booleans: Set<String>
    ) throws -> (RecordFileContents, RecordFileContents) {
        let current = Mutex<Result<RecordFileContents, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let result = Result { try RecordFormat.open(path: currentPath).read(features: features, booleans: booleans) }
            current.withLock { $0 = result }
            done.signal()
        }.start()
        let reference = try referenceFile.read(features: features, booleans: booleans)
        done.wait()
        return (reference, try current.withLock { $0! }.get())
    }
}
