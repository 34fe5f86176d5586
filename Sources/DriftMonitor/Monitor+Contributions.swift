import DriftKernels

extension Monitor {
    /// Closes the oldest open event-time pane without judging it, and returns its summary as
    /// this member's share for the aggregator, with the offsets it holds per partition id.
    /// The pane is dropped at once: a member judges no window.
    public func closeContribution(
        space: FeatureSpace, sources: [PaneContribution.Source], member: String
    ) -> (contribution: PaneContribution, offsets: [Int: ClosedRange<Int64>])? {
        guard case .eventTime(_, let slide, _) = window else { return nil }
        foldBatch()
        batchPane = nil
        guard let closing = panes.firstIndex(where: { !$0.isClosed }) else { return nil }
        let pane = panes.remove(at: closing)
        closedBefore = max(closedBefore, pane.key.saturating(adding: 1))
        lastEvaluatedPane = pane.key
        lateSinceClose = 0
        // A member's checkpoint counts the panes it shared, so that a restart restores its position.
        windowsClosed += 1
        var offsets: [Int: ClosedRange<Int64>] = [:]
        for (partition, first) in pane.firstOffsets.enumerated() where first >= 0 {
            offsets[partition] = first...pane.lastOffsets[partition]
        }
        let summary = pane.summary
        let categorical = categoricalFeatures.enumerated().map { i, reference in
            let tally = summary.categorical[i]
            var counts: [String: Int] = [:]
            for (code, count) in tally.codeCounts.enumerated() where count > 0 {
                counts[space.dictionaries[reference.dictionaryIndex].name(of: Int32(code)), default: 0] += count
            }
            return PaneContribution.Categories(
                counts: counts, missing: tally.missing, typeMismatches: tally.typeMismatches, nonFinite: tally.nonFinite)
        }
        let contribution = PaneContribution(
            model: model, referenceVersion: reference.version, slideMilliseconds: slide, pane: pane.key, sources: sources.sorted(),
            member: member, records: summary.records, numeric: summary.numeric, categorical: categorical,
            reconstruction: summary.reconstruction, vectors: summary.vectors.isEmpty ? nil : summary.vectors, firstEventTime: summary.firstEventTime, lastEventTime: summary.lastEventTime,
            duplicateRecords: summary.duplicateRecords, unknownFieldRecords: summary.unknownFieldRecords,
            unknownFields: summary.unknownFields)
        spare.append(pane)
        updateNextCloseTime()
        return (contribution, offsets)
    }

    /// Adds a member's share to its pane. Returns false when the pane already closed (a share
    /// replayed after the aggregator judged it). Offsets passed to ``hold(partition:offset:)``
    /// right after belong to this pane.
    public func merge(_ contribution: PaneContribution, space: inout FeatureSpace) throws(ContributionError) -> Bool {
        guard case .eventTime(_, let slide, _) = window else {
            throw ContributionError(description: "model \(model) has record-count windows; only event-time windows merge across agents")
        }
        guard contribution.format == PaneContribution.currentFormat else {
            throw ContributionError(description: "summary format \(contribution.format) is not \(PaneContribution.currentFormat)")
        }
        guard contribution.referenceVersion == reference.version else {
            throw ContributionError(
                description: "summary of pane \(contribution.pane) is against reference \(contribution.referenceVersion), not \(reference.version)")
        }
        guard contribution.slideMilliseconds == slide else {
            throw ContributionError(description: "summary of pane \(contribution.pane) has a slide of \(contribution.slideMilliseconds)ms, not \(slide)ms")
        }
        guard contribution.numeric.count == numericFeatures.count, contribution.categorical.count == categoricalFeatures.count,
            zip(contribution.numeric, numericFeatures).allSatisfy({ $0.histogram.binCount == $1.binCount }),
            (contribution.vectors ?? []).count == vectorFeatures.count,
            zip(contribution.vectors ?? [], vectorFeatures).allSatisfy({ $0.fits($1.shape) })
        else {
            throw ContributionError(description: "summary of pane \(contribution.pane) does not have this model's features and bins")
        }
        guard contribution.isPlausible else {
            throw ContributionError(description: "summary of pane \(contribution.pane) has negative or impossible counts")
        }
        guard contribution.pane >= closedBefore else { return false }
        var share = emptySummary()
        share.numeric = contribution.numeric
        for (i, reference) in categoricalFeatures.enumerated() {
            let tally = contribution.categorical[i]
            for (name, count) in tally.counts {
                let code = Int(space.dictionaries[reference.dictionaryIndex].code(for: name))
                if code >= share.categorical[i].codeCounts.count {
                    share.categorical[i].codeCounts.append(contentsOf: repeatElement(0, count: code + 1 - share.categorical[i].codeCounts.count))
                }
                share.categorical[i].codeCounts[code] += count
            }
            share.categorical[i].missing = tally.missing
            share.categorical[i].typeMismatches = tally.typeMismatches
            share.categorical[i].nonFinite = tally.nonFinite
        }
        if let vectors = contribution.vectors { share.vectors = vectors }
        share.records = contribution.records
        share.reconstruction = contribution.reconstruction
        share.firstEventTime = contribution.firstEventTime
        share.lastEventTime = contribution.lastEventTime
        share.duplicateRecords = contribution.duplicateRecords
        share.unknownFieldRecords = contribution.unknownFieldRecords
        share.unknownFields = contribution.unknownFields
        let index = pane(for: contribution.pane)
        panes[index].summary.merge(share)
        // Shares of one pane come in any order; the first pane is the lowest seen.
        firstKey = min(firstKey ?? contribution.pane, contribution.pane)
        return true
    }

    /// Every member has closed the panes before `key` on all the model's partitions: they may
    /// close here too, in order, through ``closePane(space:wallTime:)``.
    public func completePanes(before key: Int64) {
        guard case .eventTime(_, let slide, let lateness) = window else { return }
        let start = key.multipliedReportingOverflow(by: slide)
        let ready = (start.overflow ? (key < 0 ? Int64.min : .max) : start.partialValue).saturating(adding: lateness)
        newestEventTime = max(newestEventTime, ready)
        eventTimeLimit = ready
    }
}
