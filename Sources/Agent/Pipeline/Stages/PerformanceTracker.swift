#if canImport(Glibc)
import Glibc
#endif
import DriftKernels
import DriftMonitor
import Ingest
import Telemetry

/// One model's performance in the stream: its predictions joined with the labels that come
/// later (``PerformanceJoin``), performance windows by prediction time judged against the
/// labelled reference, an estimate (CBPE) per drift window, and the drift policy's state
/// machine on the performance windows' verdicts.
final class PerformanceTracker {
    struct Settings: Sendable {
        var task: ModelTask
        var decisionThreshold = 0.5
        var labelsTopic: String
        var labelFields = JSONFields()
        /// The labels topic's messages: JSON or InferenceLog protobuf.
        var labelFormat = RecordDecoder.Format.json
        var maxDelayMilliseconds: Int64
        var windowMilliseconds: Int64
        var maxWaiting = 1_000_000
        var policy = DriftPolicy()
    }

    /// What a tracker starts from: its settings and the labelled reference.
    struct Input: Sendable {
        var settings: Settings
        var reference: LabelledPredictions
        var classes: ClassIndex
    }

    let settings: Settings
    let metrics: PerformanceMetrics
    private(set) var join: PerformanceJoin
    private(set) var state: DriftStateMachine
    /// The labelled reference, kept to cut chunks of each performance window's size.
    private let reference: LabelledPredictions
    private var baselines: [Int: PerformanceBaseline] = [:]
    let referenceValues: [PerformanceMetric: Double]
    /// Multiclass: class names (the record's text) to indexes, shared with the reference.
    private var classes: ClassIndex
    /// The labels topic's messages: `{"<id_field>": ..., "<label_field>": ...}`, or
    /// InferenceLogs with their `request_id` and `label`.
    private var labelDecoder: RecordDecoder
    private var labelRow: DecodedRow
    /// The open drift window's estimate.
    private var estimate: ExpectedConfusion
    /// The newest performance window closed: prediction time passed its end in every
    /// partition. A prediction for a closed window already judged is late, and dropped.
    private(set) var closedThrough: Int?
    /// Predictions that came for a window already judged, since the last count.
    private var late = 0
    /// Whether the metrics without a threshold were logged.
    var warnedUnjudged = false
    /// Per partition id, the offset below which records were judged by the drift windows
    /// already and are read again for their predictions only (set from a checkpoint).
    var driftResume: [Int: Int64] = [:]
    /// Member: the newest window it shared (every window up to it is finished on its partitions).
    var sharedThrough: Int?
    /// Aggregator: which windows every input partition's member has finished, the shares
    /// merged by window, and the windows before this one judged.
    var coverage = PaneCoverage(sources: [])
    var aggregated: [Int: AggregatedWindow] = [:]
    var judgedBefore: Int?

    init(settings: Settings, reference: LabelledPredictions, classes: ClassIndex, metrics: PerformanceMetrics, now: Int64) {
        self.settings = settings
        self.metrics = metrics
        self.reference = reference
        self.classes = classes
        join = PerformanceJoin(
            task: settings.task, decisionThreshold: settings.decisionThreshold, maxDelayMilliseconds: settings.maxDelayMilliseconds,
            capacity: settings.maxWaiting, now: now)
        state = DriftStateMachine(policy: settings.policy)
        let space = FeatureSpace()
        labelDecoder = RecordDecoder(space: space, fields: settings.labelFields)
        labelRow = DecodedRow(space: space)
        estimate = ExpectedConfusion(threshold: settings.decisionThreshold)
        var whole = PerformanceTally(task: settings.task, threshold: settings.decisionThreshold)
        for (label, prediction) in zip(reference.labels, reference.predictions) { whole.add(label: label, prediction: prediction) }
        referenceValues = whole.values
        metrics.setReference(referenceValues)
        metrics.setState(state.state)
    }

    /// A record with a prediction (and perhaps its label), read from the messages `origins`
    /// (a request and its response: both are held until the prediction's window is judged).
    /// Returns false for a record that is only a label for a prediction already waiting (a
    /// later copy of the record), or one read again for the join only: the drift windows must
    /// not count it again.
    ///
    /// A record's prediction is its ``InferencePayload/prediction``, or each row's
    /// ``DecodedRow/predictionNumber`` in a batch (KServe, Seldon), whose rows are the
    /// requests `<id>/<row>` when it has more than one.
    func record(_ payload: InferencePayload, origins: some Collection<InferenceJoin.Origin>, now: Int64) -> Bool {
        guard !payload.id.isEmpty, let origin = origins.first else { return true }
        // FNV-1a of the request id; a batch's rows hash on from it (`<id>/<row>`).
        let prefix = payload.id.withUnsafeBytes { FNV1a.hash(UnsafeRawBufferPointer(rebasing: $0[payload.requestIDStart...])) }
        let id = Self.nonZero(prefix)
        let drift = origin.offset >= driftResume[origin.partition] ?? .min
        let window = Self.window(of: payload.timestampMilliseconds ?? now, length: settings.windowMilliseconds)
        let single = !payload.prediction.isEmpty || payload.predictionNumber != nil || !payload.label.isEmpty || payload.labelNumber != nil
        guard single else {
            for row in 0..<payload.rowCount {
                guard let prediction = value(number: payload.rows[row].predictionNumber, text: UnsafeRawBufferPointer(start: nil, count: 0)) else { continue }
                let rowID = payload.rowCount == 1 ? id : Self.hash(row: row, prefix: prefix)
                predicted(id: rowID, value: prediction, window: window, origins: origins, drift: drift)
            }
            return drift
        }
        let label = payload.label.withUnsafeBytes { value(number: payload.labelNumber, text: $0) }
        let hasPrediction = !payload.prediction.isEmpty || payload.predictionNumber != nil
        if let label, !hasPrediction || join.isWaiting(id) {
            join.label(id: id, value: label, partition: Int32(origin.partition), offset: origin.offset, now: now)
            return false
        }
        guard hasPrediction, let prediction = payload.prediction.withUnsafeBytes({ value(number: payload.predictionNumber, text: $0) }) else {
            return true
        }
        if predicted(id: id, value: prediction, window: window, origins: origins, drift: drift), let label {
            join.label(id: id, value: label, partition: Int32(origin.partition), offset: origin.offset, now: now)
        }
        return drift
    }

    /// A prediction to wait in `window` (false: the window was judged already, and it is late).
    @discardableResult
    private func predicted(id: UInt64, value: Double, window: Int, origins: some Collection<InferenceJoin.Origin>, drift: Bool) -> Bool {
        if drift && settings.task == .binary && (0...1).contains(value) { estimate.add(probability: value) }
        if let closed = closedThrough, window <= closed, !join.hasWindow(window) {
            late += 1
            return false
        }
        for (index, origin) in origins.enumerated() {
            if index == 0 {
                join.prediction(id: id, value: value, window: window, partition: Int32(origin.partition), offset: origin.offset)
            } else {
                join.hold(window: window, partition: Int32(origin.partition), offset: origin.offset)
            }
        }
        return true
    }

    /// A message of the labels topic; one without its id or a label the task can take is a
    /// ``DecodeError`` (for the dead-letter topic).
    func label(_ message: UnsafeRawBufferPointer?, partition: Int, offset: Int64, now: Int64) throws(DecodeError) {
        try labelDecoder.decode(message, format: settings.labelFormat, into: &labelRow)
        let protobuf = settings.labelFormat == .protobuf
        guard let bytes = message, !labelRow.requestID.isEmpty else {
            throw DecodeError(.missingField, at: 0, "the label message has no '\(protobuf ? "request_id" : settings.labelFields.requestID)'")
        }
        guard let value = value(number: labelRow.labelNumber, text: UnsafeRawBufferPointer(rebasing: bytes[labelRow.label])) else {
            let field = protobuf ? "label" : settings.labelFields.label ?? "label"
            throw DecodeError(.missingField, at: 0, "the label message has no '\(field)' a \(settings.task.rawValue) model can take")
        }
        let id = Self.hash(UnsafeRawBufferPointer(rebasing: bytes[labelRow.requestID]))
        join.label(id: id, value: value, partition: Int32(partition), offset: offset, now: now)
    }

    /// Closes the windows that end at or before `watermark` (milliseconds of prediction time).
    func advance(watermark: Int64, now: Int64) {
        // .min: a partition not read yet; .max: none assigned (before the first assignment).
        guard watermark > .min, watermark < .max else { return }
        let through = Self.window(of: watermark, length: settings.windowMilliseconds) - 1
        guard through > closedThrough ?? .min else { return }
        for window in join.openWindows where window <= through { _ = join.windowClosed(window, now: now) }
        closedThrough = through
    }

    /// The window of a prediction time: floor division, so that times before 1970 do not share window 0.
    static func window(of milliseconds: Int64, length: Int64) -> Int {
        let quotient = milliseconds / length
        return Int(milliseconds % length < 0 ? quotient - 1 : quotient)
    }

    /// The drift window closed: its estimate, then a fresh one.
    func driftWindowClosed() -> [PerformanceMetric: Double]? {
        defer { estimate = ExpectedConfusion(threshold: settings.decisionThreshold) }
        guard settings.task == .binary, estimate.count > 0 else { return nil }
        let values = Dictionary(uniqueKeysWithValues: settings.task.estimatedMetrics.map { ($0, estimate.value(of: $0)) })
        metrics.setEstimated(values)
        return values
    }

    /// A performance window judged: its metrics, the thresholds' breaches, and what the state
    /// machine says to publish.
    struct Verdict {
        var window: PerformanceJoin.FinishedWindow
        var values: [PerformanceMetric: Double]
        var breaches: [PerformanceBreach]
        var actions: [DriftStateMachine.Action]
        /// The state machine's state after this window (later windows of the batch move it on).
        var state: DriftStateMachine.State
        var start: Int64
        var end: Int64
        /// Metrics the policy has no threshold for (a reference of fewer than two chunks of the window's size).
        var unjudged: [PerformanceMetric]
    }

    /// The performance windows whose labels all came (or waited long enough), oldest first.
    func finishWindows(now: Int64) -> [PerformanceJoin.FinishedWindow] {
        let finished = join.finish(now: now)
        let counts = join.takeCounts()
        metrics.count(joined: counts.joined, expired: counts.expired, unmatched: counts.unmatched, late: late, waiting: join.waitingPredictions)
        late = 0
        return finished
    }

    /// Finished windows (this agent's, or merged from members' shares) judged in order.
    func judge(_ finished: [PerformanceJoin.FinishedWindow]) -> [Verdict] {
        finished.map { window in
            let values = window.tally.values
            let baseline = baseline(records: window.tally.count)
            let breaches = window.tally.count >= settings.policy.judgedWindowRecords ? settings.policy.performance.breaches(of: values, baseline: baseline) : []
            let judged = window.tally.count >= settings.policy.judgedWindowRecords
            let actions = judged ? state.advance(breached: !breaches.isEmpty, warned: false) : []
            metrics.setRealised(values)
            metrics.setState(state.state)
            let start = Int64(window.window) * settings.windowMilliseconds
            let unjudged = settings.task.metrics.filter { settings.policy.performance.threshold(of: $0, baseline: baseline) == nil }
            return Verdict(
                window: window, values: values, breaches: breaches, actions: actions, state: state.state, start: start,
                end: start + settings.windowMilliseconds, unjudged: unjudged)
        }
    }

    /// The reference's performance in chunks of `records`, computed once per size.
    private func baseline(records: Int) -> PerformanceBaseline {
        if let cached = baselines[records] { return cached }
        if baselines.count > 64 { baselines.removeAll() }
        let baseline = PerformanceBaseline(
            task: settings.task, labels: reference.labels, predictions: reference.predictions, chunkSize: records,
            decisionThreshold: settings.decisionThreshold)
        baselines[records] = baseline
        return baseline
    }

    /// Partitions are given up: what waits is dropped, to be read again by their next owner.
    func reset(now: Int64) {
        join = PerformanceJoin(
            task: settings.task, decisionThreshold: settings.decisionThreshold, maxDelayMilliseconds: settings.maxDelayMilliseconds,
            capacity: settings.maxWaiting, now: now)
        estimate = ExpectedConfusion(threshold: settings.decisionThreshold)
        closedThrough = nil
        driftResume = [:]
        sharedThrough = nil
        // Shares are read again from the committed offsets: what they said is forgotten too.
        aggregated = [:]
        coverage = PaneCoverage(sources: coverage.sources)
    }

    func restore(_ checkpoint: PerformanceCheckpoint, resume: [Int: Int64]) {
        state = DriftStateMachine(policy: settings.policy, state: checkpoint.state)
        join.restore(finished: Set(checkpoint.finished))
        if let judged = checkpoint.judgedBefore { judgedBefore = max(judgedBefore ?? .min, judged) }
        driftResume = resume
        metrics.setState(state.state)
    }

    var checkpoint: PerformanceCheckpoint {
        PerformanceCheckpoint(
            state: state.state, finished: join.finishedAfterFloor.sorted().suffix(PerformanceCheckpoint.maximumFinished), judgedBefore: judgedBefore)
    }

    /// A class's index, for a class named in a member's share.
    func classIndex(of name: String) -> Int? { classes.index(of: name, limit: Self.maximumClasses) }

    /// The class names, by index.
    var classNames: [String] { classes.names }

    /// A prediction or label's value: its number (binary, regression) or its class
    /// (multiclass), from the number the decoder parsed or else the text; nil: none usable.
    private func value(number: Double?, text: UnsafeRawBufferPointer) -> Double? {
        if settings.task == .multiclass {
            // Classes come from outside: at most 128 (a window's confusion matrix is 128 KiB),
            // each at most 256 bytes; others are refused, not added. A class sent as a
            // protobuf number is named by its digits, as in a JSON file.
            let name: String
            if !text.isEmpty {
                guard text.count <= 256 else { return nil }
                name = String(decoding: text, as: UTF8.self)
            } else if let number, number == number.rounded(), abs(number) < 1e15 {
                name = String(Int64(number))
            } else {
                return nil
            }
            guard let index = classes.index(of: name, limit: Self.maximumClasses) else { return nil }
            return Double(index)
        }
        if let number { return number.isFinite ? number : nil }
        // A number sent as a string ("0.73").
        guard !text.isEmpty, text.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer in
            for (index, byte) in text.enumerated() { buffer[index] = CChar(bitPattern: byte) }
            buffer[text.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let number = strtod(buffer.baseAddress!, &end)
            return end == buffer.baseAddress! + text.count && number.isFinite ? number : nil
        }
    }

    static let maximumClasses = 128

    /// FNV-1a of the id's bytes; 0 is kept for "taken" in the join's arena.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { nonZero(FNV1a.hash(bytes)) }

    private static func nonZero(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The hash of `<id>/<row>` from the FNV-1a hash of `<id>`, without building the text.
    static func hash(row: Int, prefix: UInt64) -> UInt64 {
        let hash = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var start = 24
            var rest = row
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            start -= 1
            buffer[start] = UInt8(ascii: "/")
            return FNV1a.hash(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[start..<24])), from: prefix)
        }
        return nonZero(hash)
    }
}

/// A model's performance state, committed with the offsets as its drift state is.
struct PerformanceCheckpoint: Codable, Hashable {
    /// The most finished windows kept: past it a replay may judge the oldest again.
    static let maximumFinished = 64
    var state: DriftStateMachine.State
    /// Performance windows finished after the oldest one still waiting.
    var finished: [Int]
    /// Aggregator: the windows before this one were judged; members' shares of them are late.
    var judgedBefore: Int?
}
