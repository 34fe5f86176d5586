import DriftKernels
import DriftMonitor

/// Scale-out: members share their finished performance windows, and the aggregator merges
/// the shares of each window and judges it once every input partition's member finished it.
///
/// A member finishes a window on its partitions when prediction time passed it and each of
/// its predictions was joined or expired; labels must reach the member whose partitions hold
/// their predictions (a labels topic keyed and partitioned like the predictions).
extension PerformanceTracker {
    /// Aggregator: the merged shares of one window, and the summaries offsets they hold.
    struct AggregatedWindow {
        var tally: PerformanceTally
        var expired = 0
        /// Per partition id of the summaries topic, the lowest offset of a share merged here.
        var lowestOffsets: [Int: Int64] = [:]
    }

    /// Member: a share of each finished window, then one without a tally for the newest window
    /// finished since (when it had no prediction here), so the aggregator need not wait for it.
    func shares(of finished: [PerformanceJoin.FinishedWindow], model: String, sources: [PaneContribution.Source], member: String)
        -> [PerformanceContribution]
    {
        guard !sources.isEmpty else { return [] }
        let classes = settings.task == .multiclass ? classNames : nil
        var shares = finished.map { window in
            PerformanceContribution(
                model: model, windowMilliseconds: settings.windowMilliseconds, window: Int64(window.window), sources: sources, member: member,
                tally: window.tally, expired: window.expired, classes: classes)
        }
        sharedThrough = max(sharedThrough ?? .min, finished.last?.window ?? .min)
        // Every window before the oldest one waiting, up to the newest closed, is finished here.
        if let closed = closedThrough {
            let through = min(closed, join.oldestWindow.map { $0 - 1 } ?? .max)
            if through > sharedThrough ?? .min {
                shares.append(
                    PerformanceContribution(
                        model: model, windowMilliseconds: settings.windowMilliseconds, window: Int64(through), sources: sources,
                        member: member, tally: nil, expired: 0))
                sharedThrough = through
            }
        }
        return shares
    }

    /// The most windows with shares merged and not yet judged (each a tally of ~25 KiB).
    static let maximumAggregatedWindows = 4_096

    enum MergeOutcome: String {
        case merged, duplicate, late, implausible
    }

    /// Aggregator: merges a member's share read at `offset` of summaries partition `partition`.
    func merge(_ share: PerformanceContribution, partition: Int, offset: Int64) -> MergeOutcome {
        let empty = PerformanceTally(task: settings.task, threshold: settings.decisionThreshold)
        guard share.windowMilliseconds == settings.windowMilliseconds, share.isPlausible(like: empty, maximumClasses: Self.maximumClasses),
            let window = Int(exactly: share.window)
        else { return .implausible }
        if let judged = judgedBefore, window < judged { return .late }
        // Shares come from outside: a window not yet merged is refused past this many waiting.
        guard aggregated[window] != nil || aggregated.count < Self.maximumAggregatedWindows else { return .implausible }
        guard coverage.admit(pane: share.window, sources: share.sources) else { return .duplicate }
        guard var tally = share.tally else { return .merged }
        if case .multiclass(let counts) = tally {
            // Each agent numbers classes as it meets them: the member's indexes become ours.
            var indexes: [Int] = []
            for name in share.classes ?? [] {
                guard let index = classIndex(of: name) else { return .implausible }
                indexes.append(index)
            }
            tally = .multiclass(counts.renumbered(indexes))
        }
        aggregated[window, default: AggregatedWindow(tally: empty)].tally.merge(tally)
        aggregated[window]!.expired += share.expired
        aggregated[window]!.lowestOffsets[partition] = min(aggregated[window]!.lowestOffsets[partition] ?? .max, offset)
        return .merged
    }

    /// Aggregator: the merged windows every input partition's member has finished, oldest first.
    func completeWindows() -> [PerformanceJoin.FinishedWindow] {
        let complete = coverage.completeBefore
        guard complete > .min else { return [] }
        let before = Int(complete)
        let windows = aggregated.keys.filter { $0 < before }.sorted()
        let finished = windows.map { window in
            PerformanceJoin.FinishedWindow(window: window, tally: aggregated[window]!.tally, expired: aggregated[window]!.expired)
        }
        for window in windows { aggregated[window] = nil }
        judgedBefore = max(judgedBefore ?? .min, before)
        coverage.forget(before: complete)
        return finished
    }

    /// Per partition id, the lowest offset a restart must read again: predictions and labels
    /// waiting (a standalone agent, a member) or shares merged and not judged (the aggregator).
    func heldOffsets() -> [Int: Int64] {
        var held: [Int: Int64] = [:]
        for (partition, offset) in join.heldOffsets() { held[Int(partition)] = min(held[Int(partition)] ?? offset, offset) }
        for window in aggregated.values {
            for (partition, offset) in window.lowestOffsets { held[partition] = min(held[partition] ?? offset, offset) }
        }
        return held
    }
}
