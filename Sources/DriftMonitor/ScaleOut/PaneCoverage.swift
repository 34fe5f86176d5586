/// Which panes of a model every input partition's member has closed, from the shares the
/// aggregator received: a pane is complete, and its window may be judged, once each input
/// partition has a share for a pane at or after it.
///
/// A member closes its panes in order and sends their shares in order to one summaries
/// partition, so a share for pane k on a partition means the member sent every earlier
/// share for it. Two shares of one pane that name the same partition are the same share sent
/// again (a member restarted, or a rebalance replayed it): only the first is merged.
public struct PaneCoverage: Sendable {
    /// Every input partition the model's records come from.
    public private(set) var sources: Set<PaneContribution.Source>
    /// Per input partition: every pane before this one was closed by its member.
    private var closedBefore: [PaneContribution.Source: Int64] = [:]
    /// Per open pane: the partitions whose share was merged.
    private var merged: [Int64: Set<PaneContribution.Source>] = [:]

    public init(sources: some Sequence<PaneContribution.Source>) {
        self.sources = Set(sources)
    }

    /// Notes a share. Returns false when a share of the same pane already named one of its
    /// partitions: it must not be merged again.
    public mutating func admit(_ contribution: PaneContribution) -> Bool {
        admit(pane: contribution.pane, sources: contribution.sources)
    }

    /// Notes a share of `pane` from `sources` (a performance window's share counts its windows
    /// as panes). Returns false when a share of the pane already named one of these partitions.
    public mutating func admit(pane: Int64, sources shared: [PaneContribution.Source]) -> Bool {
        for source in shared {
            closedBefore[source] = max(closedBefore[source] ?? .min, pane.saturating(adding: 1))
        }
        var seen = merged[pane, default: []]
        guard seen.isDisjoint(with: shared) else { return false }
        seen.formUnion(shared)
        merged[pane] = seen
        return true
    }

    /// The first pane not yet closed on every input partition (`.min` until each has sent a share).
    public var completeBefore: Int64 {
        var complete = Int64.max
        for source in sources {
            guard let closed = closedBefore[source] else { return .min }
            complete = min(complete, closed)
        }
        return sources.isEmpty ? .min : complete
    }

    /// Forgets the shares of panes before `key`, once they are judged.
    public mutating func forget(before key: Int64) {
        merged = merged.filter { $0.key >= key }
    }

    /// Adds partitions (the input topics grew).
    public mutating func add(sources more: some Sequence<PaneContribution.Source>) {
        sources.formUnion(more)
    }
}
