import DriftKernels

/// One model's predictions joined with labels that come later, and the performance of each
/// window of predictions: estimated (CBPE) when the window closes, realised once every
/// prediction of it is joined or has waited ``maxDelayMilliseconds``.
///
/// Kafka-native recovery: ``heldOffsets()`` gives, per partition, the lowest offset still
/// needed (a prediction or label of a window not finished, a label waiting for its
/// prediction), and the pipeline commits nothing past it, so a restart reads them again and
/// rebuilds the same joins. Windows finished after that offset are listed in the
/// checkpoint (``finishedAfterFloor``): their predictions, read again, are not joined twice.
public struct PerformanceJoin {
    /// A window whose realised performance is final.
    public struct FinishedWindow {
        public var window: Int
        public var tally: PerformanceTally
        /// Predictions of the window that got no label in time.
        public var expired: Int

        public init(window: Int, tally: PerformanceTally, expired: Int) {
            self.window = window
            self.tally = tally
            self.expired = expired
        }
    }

    /// Joins, expiries and unmatched labels since the last ``takeCounts()``.
    public struct Counts: Equatable {
        public var joined = 0
        public var expired = 0
        /// Labels that found no prediction in time.
        public var unmatched = 0

        public init(joined: Int = 0, expired: Int = 0, unmatched: Int = 0) {
            self.joined = joined
            self.expired = expired
            self.unmatched = unmatched
        }
    }

    struct Window {
        var tally: PerformanceTally
        var estimated: ExpectedConfusion
        var waiting = 0
        var expired = 0
        /// When the drift window closed (wall milliseconds); nil while open.
        var closedAt: Int64?
        /// Per partition, the lowest offset of a prediction or a label of this window.
        var lowestOffsets: [Int32: Int64] = [:]

        mutating func hold(partition: Int32, offset: Int64) {
            lowestOffsets[partition] = min(lowestOffsets[partition] ?? .max, offset)
        }
    }

    public let task: ModelTask
    public let decisionThreshold: Double
    public let maxDelayMilliseconds: Int64
    /// Most predictions waiting at once; past it the oldest window's waiting ones expire.
    public let capacity: Int
    private var predictions = WaitingArena()
    private var labels = WaitingArena()
    private var windows: [Int: Window] = [:]
    private(set) public var finishedAfterFloor: Set<Int> = []
    private var counts = Counts()
    /// The window that waiting predictions' 32-bit tags count from (the first one seen).
    private var baseWindow: Int?
    /// Wall second the label arrival tags count from.
    private let epochSeconds: Int64

    public init(task: ModelTask, decisionThreshold: Double = 0.5, maxDelayMilliseconds: Int64, capacity: Int = 1_000_000, now: Int64) {
        self.task = task
        self.decisionThreshold = decisionThreshold
        self.maxDelayMilliseconds = max(0, maxDelayMilliseconds)
        self.capacity = max(1, capacity)
        epochSeconds = now / 1_000
    }

    public var waitingPredictions: Int { predictions.count }
    public var waitingLabels: Int { labels.count }
    /// Bytes of the waiting predictions and labels.
    public var waitingBytes: Int { predictions.bytes + labels.bytes }

    /// The oldest window with predictions not yet finished.
    public var oldestWindow: Int? { windows.keys.min() }

    /// Whether window `window` has predictions not yet judged.
    public func hasWindow(_ window: Int) -> Bool { windows[window] != nil }

    /// The windows not closed yet.
    public var openWindows: [Int] { windows.filter { $0.value.closedAt == nil }.map(\.key) }

    /// Whether a prediction with this id waits for its label.
    public func isWaiting(_ id: UInt64) -> Bool { predictions.contains(id) }

    /// Windows already finished when the checkpoint was taken: their predictions, read again
    /// after a restart, are neither joined nor counted.
    public mutating func restore(finished: Set<Int>) {
        finishedAfterFloor = finished
    }

    /// A prediction counted in window `window`; joined at once with a label that came first.
    public mutating func prediction(id: UInt64, value: Double, window: Int, partition: Int32, offset: Int64) {
        guard !value.isNaN, !finishedAfterFloor.contains(window), let tag = tag(of: window) else { return }
        // Changed in place: a window's histograms are not copied per record.
        if windows[window] == nil {
            windows[window] = Window(
                tally: PerformanceTally(task: task, threshold: decisionThreshold), estimated: ExpectedConfusion(threshold: decisionThreshold))
        }
        windows[window]!.hold(partition: partition, offset: offset)
        if task == .binary, (0...1).contains(value) { windows[window]!.estimated.add(probability: value) }
        if let label = labels.take(id) {
            windows[window]!.hold(partition: label.partition, offset: label.offset)
            if windows[window]!.tally.add(label: label.value, prediction: value) { counts.joined += 1 }
        } else {
            windows[window]!.waiting += 1
            // A request id seen again: the newer prediction waits instead of the older one.
            if let replaced = predictions.add(.init(id: id, value: value, offset: offset, partition: partition, tag: tag)) {
                windows[self.window(of: replaced.tag)]?.waiting -= 1
            }
        }
        if predictions.count > capacity { expireOldestWindow() }
    }

    /// Holds `offset` of `partition` with the predictions of window `window`: a prediction read
    /// from two messages (a request and its response) is read again from both after a restart.
    public mutating func hold(window: Int, partition: Int32, offset: Int64) {
        windows[window]?.hold(partition: partition, offset: offset)
    }

    /// A label; joined with its waiting prediction, or kept until it comes.
    public mutating func label(id: UInt64, value: Double, partition: Int32, offset: Int64, now: Int64) {
        guard !value.isNaN else { return }
        if let prediction = predictions.take(id) {
            let window = self.window(of: prediction.tag)
            guard windows[window] != nil else { return }
            windows[window]!.waiting -= 1
            windows[window]!.hold(partition: partition, offset: offset)
            if windows[window]!.tally.add(label: value, prediction: prediction.value) { counts.joined += 1 }
            return
        }
        let second = Int32(clamping: now / 1_000 - epochSeconds)
        if labels.add(.init(id: id, value: value, offset: offset, partition: partition, tag: second)) != nil { counts.unmatched += 1 }
        if labels.count > capacity { expireLabels(before: .max) }
    }

    /// The drift window `window` closed: its estimate is final (nil for a window without a
    /// prediction, or a model that is not binary).
    public mutating func windowClosed(_ window: Int, now: Int64) -> ExpectedConfusion? {
        guard windows[window] != nil else { return nil }
        if windows[window]!.closedAt == nil { windows[window]!.closedAt = now }
        let estimated = windows[window]!.estimated
        return task == .binary && estimated.count > 0 ? estimated : nil
    }

    /// Expires what waited longer than the delay after its window closed, and returns the
    /// windows now finished, oldest first.
    public mutating func finish(now: Int64) -> [FinishedWindow] {
        let deadline = now - maxDelayMilliseconds
        for (index, window) in windows where window.waiting > 0 && window.closedAt.map({ $0 <= deadline }) ?? false {
            expireWaiting(of: index)
        }
        expireLabels(before: deadline / 1_000 - epochSeconds)
        var finished: [FinishedWindow] = []
        for index in windows.keys.sorted() {
            let window = windows[index]!
            guard window.closedAt != nil, window.waiting == 0 else { continue }
            finished.append(FinishedWindow(window: index, tally: window.tally, expired: window.expired))
            windows[index] = nil
            finishedAfterFloor.insert(index)
        }
        // Only windows above the oldest one not finished need remembering.
        if let floor = windows.keys.min() { finishedAfterFloor = finishedAfterFloor.filter { $0 > floor } } else { finishedAfterFloor = [] }
        return finished
    }

    /// Per partition, the lowest offset a restart must read again.
    public func heldOffsets() -> [Int32: Int64] {
        var held = labels.lowestOffsets()
        for window in windows.values {
            for (partition, offset) in window.lowestOffsets { held[partition] = min(held[partition] ?? .max, offset) }
        }
        return held
    }

    public mutating func takeCounts() -> Counts {
        defer { counts = Counts() }
        return counts
    }

    /// A window as the 32-bit tag of its waiting predictions; nil for one 2^31 windows away
    /// from the first (a hostile timestamp), which is not joined.
    private mutating func tag(of window: Int) -> Int32? {
        let base = baseWindow ?? window
        baseWindow = base
        let (distance, overflow) = window.subtractingReportingOverflow(base)
        return overflow ? nil : Int32(exactly: distance)
    }

    private func window(of tag: Int32) -> Int { (baseWindow ?? 0) + Int(tag) }

    /// Expires the predictions of window `index` still waiting.
    private mutating func expireWaiting(of index: Int) {
        var expired = 0
        guard let tag = tag(of: index) else { return }
        // Usually the oldest entries: from the front; a window's predictions may also sit
        // behind a younger window's, so the rest by a scan.
        predictions.expireFront(while: { $0.tag == tag }) { _ in expired += 1 }
        if expired < windows[index]?.waiting ?? 0 {
            predictions.expireAll(where: { $0.tag == tag }) { _ in expired += 1 }
        }
        windows[index]?.waiting -= expired
        windows[index]?.expired += expired
        counts.expired += expired
    }

    private mutating func expireOldestWindow() {
        guard let oldest = windows.filter({ $0.value.waiting > 0 }).keys.min() else { return }
        expireWaiting(of: oldest)
    }

    /// Labels that came before the second `second` (or past the capacity) are unmatched.
    private mutating func expireLabels(before second: Int64) {
        let limit = Int32(clamping: second)
        var excess = labels.count - capacity
        var unmatched = 0
        labels.expireFront(while: { entry in
            excess -= 1
            return excess >= 0 || entry.tag < limit
        }) { _ in unmatched += 1 }
        counts.unmatched += unmatched
    }
}
