import ArgumentParser
import Dispatch
import DriftMonitor
import FoundationEssentials
import Ingest
import KafkaIO
import Synchronization

extension ModelTask: ExpressibleByArgument {}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare current data with reference data, offline, with the engine 'run' uses.",
        discussion: """
            Both files are JSON lines (flat objects, or with a "features" object) or CSV with a header \
            (by extension). The schema is inferred from the reference, with --feature declarations over it. \
            With --task, the model's performance too: the reference's records carry labels; the current \
            ones may (realised performance) or not (estimated, for binary models); the label field is \
            then not a feature. Exit status 0, or 3 with --fail-on-drift when a feature drifted or the \
            performance degraded.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Reference records (.jsonl or .csv).") var reference: String
    @Option(help: "Current records (.jsonl or .csv).") var current: String
    @Option(help: "Output format.") var format: Format = .table
    @Option(help: "PSI bins (reference quantiles).") var bins = 10
    @Option(help: "PSI drift threshold.") var psiThreshold: Double?
    @Flag(help: "Exit with status 3 when any feature drifted (or, with --task, the performance degraded).") var failOnDrift = false
    @Option(help: "What the model predicts, to compare its performance: binary, multiclass or regression.") var task: ModelTask?
    @Option(help: "Field of the true label (with --task).") var labelField = "label"
    @Option(help: "Field of the prediction: the positive class's probability (binary), the class, or the value.") var predictionField = "prediction"
    @Option(help: "Binary: a score at or above it predicts the positive class.") var decisionThreshold = 0.5
    @Flag(help: "Write to stderr how long reading both files, the reference's profile and the tests took.") var timings = false
    @OptionGroup var featureDeclarations: FeatureDeclarations

    func run() throws {
        let started = ContinuousClock.now
        var policy = DriftPolicy()
        policy.bins = bins
        if let psiThreshold {
            policy.driftThreshold = psiThreshold
            policy.warnThreshold = min(policy.warnThreshold, psiThreshold)
        }
        try policy.validate()
        guard (0...1).contains(decisionThreshold) else { throw ValidationError("--decision-threshold must be within 0...1") }
        var schema = try featureDeclarations.schema()
        // The label is what the model is judged by, not an input whose drift is watched.
        if task != nil, schema.kinds[labelField] == nil { schema.kinds[labelField] = .ignored }
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
                StandardError.write("\(path):\(line): skipped: \(error)\n")
            }
            if contents.invalid.count > 10 {
                StandardError.write("\(path): \(contents.invalid.count) records skipped in all\n")
            }
        }
        let read = ContinuousClock.now - started
        guard currentContents.batch.count > 0 else { throw ValidationError("\(current): no record to compare") }
        var comparison = try Comparison(
            features: features, reference: referenceContents.batch, referenceDictionaries: referenceContents.dictionaries,
            current: currentContents.batch, currentDictionaries: currentContents.dictionaries, policy: policy)
        if let task {
            var classes = ClassIndex()
            let labelled = try referenceFile.labelledPredictions(
                task: task, labelField: labelField, predictionField: predictionField, classes: &classes)
            guard labelled.labelled > 0 else { throw ValidationError("\(reference): no record has both '\(labelField)' and '\(predictionField)'") }
            let now = try RecordFormat.open(path: current).labelledPredictions(
                task: task, labelField: labelField, predictionField: predictionField, classes: &classes)
            comparison.performance = PerformanceComparison(
                task: task, referenceLabels: labelled.labels, referencePredictions: labelled.predictions, currentLabels: now.labels,
                currentPredictions: now.predictions, decisionThreshold: decisionThreshold)
        }
        switch format {
        case .json: print(comparison.json())
        case .table: print(comparison.table(), terminator: "")
        }
        if timings { Self.writeTimings(read: read, comparison.timings, total: ContinuousClock.now - started) }
        if failOnDrift && (!comparison.report.driftedFeatures.isEmpty || comparison.performance?.degraded == true) { throw ExitCode(3) }
    }

    /// One line in milliseconds, for people and for `make bench-compare`.
    static func writeTimings(read: Duration, _ steps: Comparison.Timings, total: Duration) {
        func milliseconds(_ duration: Duration) -> String { "\(Int((duration / .milliseconds(1)).rounded())) ms" }
        StandardError.write(
            "timings: read \(milliseconds(read)), reference \(milliseconds(steps.reference)), "
                + "window and tests \(milliseconds(steps.window)), total \(milliseconds(total))\n")
    }

    static func readBoth(
        _ referenceFile: any RecordFile, _ currentPath: String, features: [Feature], booleans: Set<String>
    ) throws -> (RecordFileContents, RecordFileContents) {
        let current = Mutex<Result<RecordFileContents, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        try DedicatedThread.start(name: "compare-read") {
            let result = Result { try RecordFormat.open(path: currentPath).read(features: features, booleans: booleans) }
            current.withLock { $0 = result }
            done.signal()
        }
        let reference = try referenceFile.read(features: features, booleans: booleans)
        done.wait()
        return (reference, try current.withLock { $0! }.get())
    }
}
