extension Monitor {
    /// A window that was evaluated as its last pane closed.
    public struct ClosedWindow: Sendable {
        public var report: WindowReport
        public var actions: [DriftStateMachine.Action]
        /// Per partition id (see ``hold(partition:offset:)``): the offsets of the window's first and last records.
        public var offsets: [Int: ClosedRange<Int64>]
    }

    /// Closes the oldest open pane and evaluates the window it ends, unless that window reaches
    /// before this run's first pane (a partial sliding window) or was evaluated before a restore.
    public func closePane(space: FeatureSpace, wallTime: Int64? = nil) -> ClosedWindow? {
        close(space: space, wallTime: wallTime, evaluateAlways: false)
    }

    /// Closes the open window, however many records it has, and evaluates it.
    public func closeWindow(space: FeatureSpace, wallTime: Int64? = nil) -> (report: WindowReport, actions: [DriftStateMachine.Action]) {
        if !panes.contains(where: { !$0.isClosed }) {
            _ = openCountPane()
        }
        let closed = close(space: space, wallTime: wallTime, evaluateAlways: true)!
        return (closed.report, closed.actions)
    }

    /// Input ended: the newest event time seen is final, so every event-time pane before the
    /// one holding it is complete, whatever the allowed lateness.
    public func drainEventTime() {
        guard case .eventTime(_, _, let lateness) = window, newestEventTime > .min else { return }
        eventTimeLimit = .max
        newestEventTime = newestEventTime.saturating(adding: lateness)
    }

    /// The pane the next record-count record goes to: the open one, or a new one.
    func openCountPane() -> Int {
        if let last = panes.indices.last, !panes[last].isClosed {
            batchPane = last
            return last
        }
        let index = insertPane(key: nextKey)
        nextKey += 1
        batchPane = index
        return index
    }

    /// The event-time pane of `key`, created if needed; the batch is folded first if its rows
    /// belong to another pane.
    func pane(for key: Int64) -> Int {
        foldBatch()
        let index = panes.firstIndex { $0.key == key } ?? insertPane(key: key)
        batchPane = index
        return index
    }

    /// A summary of no records of this monitor's features and bins: what a pane starts from.
    func emptySummary() -> WindowSummary {
        WindowSummary(
            numericBins: numericFeatures.map(\.binCount), categoricalCount: categoricalFeatures.count, vectorShapes: vectorFeatures.map(\.shape))
    }

    private func insertPane(key: Int64) -> Int {
        var pane = spare.popLast() ?? Pane(key: key, summary: emptySummary())
        pane.recycle(key: key)
        let index = panes.firstIndex { $0.key > key } ?? panes.endIndex
        panes.insert(pane, at: index)
        if firstKey == nil { firstKey = key }
        if let current = batchPane, current >= index { batchPane = current + 1 }
        updateNextCloseTime()
        return index
    }

    func updateNextCloseTime() {
        guard case .eventTime(_, let slide, let lateness) = window else { return }
        guard let open = panes.first(where: { !$0.isClosed }) else {
            nextCloseTime = nil
            return
        }
        nextCloseTime = Self.start(ofPane: open.key.saturating(adding: 1), slide: slide).saturating(adding: lateness)
    }

    /// The event time where an event-time pane starts; saturated, since event times come from the data.
    private static func start(ofPane key: Int64, slide: Int64) -> Int64 {
        let start = key.multipliedReportingOverflow(by: slide)
        return start.overflow ? (key < 0 ? .min : .max) : start.partialValue
    }

    private func close(space: FeatureSpace, wallTime: Int64?, evaluateAlways: Bool) -> ClosedWindow? {
        foldBatch()
        batchPane = nil
        guard let closing = panes.firstIndex(where: { !$0.isClosed }) else { return nil }
        panes[closing].isClosed = true
        let key = panes[closing].key
        if case .eventTime = window { closedBefore = max(closedBefore, key.saturating(adding: 1)) }
        let low = key.saturating(adding: 1 - Int64(window.panes))
        var closed: ClosedWindow?
        if evaluateAlways || ((firstKey ?? key) <= low && key > (lastEvaluatedPane ?? .min)) {
            let spanned = panes.indices.filter { panes[$0].isClosed && panes[$0].key >= low }
            let evaluated: WindowSummary
            if spanned.count > 1 {
                var summary = merged ?? emptySummary()
                merged = nil  // held once, so the merge does not copy it
                summary.reset()
                for index in spanned { summary.merge(panes[index].summary) }
                merged = summary
                evaluated = summary
            } else {
                evaluated = panes[closing].summary
            }
            var report = evaluate(evaluated, space: space, index: windowsClosed, wallTime: wallTime)
            if case .eventTime(_, let slide, _) = window {
                report.start = Self.start(ofPane: low, slide: slide)
                report.end = Self.start(ofPane: key.saturating(adding: 1), slide: slide)
            }
            report.lateRecords = lateSinceClose
            report.lineage = lineage
            lateSinceClose = 0
            var offsets: [Int: ClosedRange<Int64>] = [:]
            for index in spanned {
                for (partition, first) in panes[index].firstOffsets.enumerated() where first >= 0 {
                    let last = panes[index].lastOffsets[partition]
                    offsets[partition] = offsets[partition].map { min($0.lowerBound, first)...max($0.upperBound, last) } ?? first...last
                }
            }
            let actions = stateMachine.advance(with: report)
            windowsClosed += 1
            lastEvaluatedPane = key
            closed = ClosedWindow(report: report, actions: actions, offsets: offsets)
        }
        // No later window spans a closed pane at or below `low`.
        while let first = panes.first, first.isClosed, first.key <= low {
            spare.append(panes.removeFirst())
        }
        updateNextCloseTime()
        return closed
    }
}

extension Int64 {
    /// `self + other`, or the bound it would pass.
    func saturating(adding other: Int64) -> Int64 {
        let sum = addingReportingOverflow(other)
        return sum.overflow ? (other < 0 ? .min : .max) : sum.partialValue
    }
}

