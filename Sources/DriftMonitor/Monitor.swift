import DriftKernels

/// Watches one model: takes its records into the open windows' summaries and, as each pane
/// closes, tests the window against the reference and advances the drift policy.
///
/// Used from the pipeline's thread only. Memory is O(panes x features x bins) plus one batch
/// of at most ``batchCapacity`` rows, whatever the window size.
public final class Monitor {
    public let model: String
    public let reference: ReferenceProfile
    public let policy: DriftPolicy
    public let window: WindowSpec
    public let batchCapacity: Int
    public internal(set) var stateMachine: DriftStateMachine
    /// Windows evaluated so far.
    public internal(set) var windowsClosed = 0
    /// Records that came for an event-time pane already closed, since the start.
    public internal(set) var lateRecords = 0
    /// Where this monitor's record-count windows are counted from: with a window's index it
    /// names the window in event ids, so a replay after a crash names it the same way. Set by
    /// the pipeline from the offsets the count started at, restored with the checkpoint; nil
    /// until then.
    public var lineage: UInt64?

    let numericFeatures: [NumericReference]
    let categoricalFeatures: [CategoricalReference]
    let vectorFeatures: [VectorReference]
    /// Per numeric feature, built once for the hot path.
    private let locators: [BinLocator]
    private let ranges: [ClosedRange<Double>]
    private let shifts: [Double]
    private let numericSources: [Int]
    private let categoricalSources: [Int]
    private let vectorSources: [Int]
    /// Column of the model (numeric first, then categorical, then vector) for each feature-space slot, or -1.
    private let columnOfSlot: [Int]
    private var batch: RecordBatch
    /// Closed panes a later window still spans, then the open ones, by key.
    var panes: [Pane] = []
    /// Emptied panes, kept for reuse.
    var spare: [Pane] = []
    /// The index in `panes` of the pane the batch's rows belong to (nil: the batch is empty).
    var batchPane: Int?
    /// Record-count windows: the key of the next pane.
    var nextKey: Int64 = 0
    /// Event-time windows: a record for a pane below this key is late.
    var closedBefore: Int64 = .min
    /// The first pane the monitor ever had: a window reaching before it is partial.
    var firstKey: Int64?
    /// The pane that ended the last evaluated window: after a restore, windows ending at or
    /// before it are replayed and not evaluated again.
    var lastEvaluatedPane: Int64?
    /// Event-time windows: the newest event time, and when the oldest open pane may close.
    var newestEventTime: Int64 = .min
    /// nil while no pane is open.
    var nextCloseTime: Int64?
    /// Event-time windows: panes close by the newest event time, but never past this. A
    /// pipeline reading several partitions sets it to the oldest of their newest event times,
    /// so that one partition read ahead of the others does not make theirs late.
    public var eventTimeLimit: Int64 = .max
    var lateSinceClose = 0
    /// The window being evaluated, merged from its panes (reused); made at the first window of
    /// more than one pane: a tumbling window's one pane is the window, and a summary kept only
    /// to be copied empty would be 3.4 KiB per numeric feature (issue 27).
    var merged: WindowSummary?
    /// A chunk of the batch's numeric columns side by side, and the projection, for the PCA (reused).
    private var batchMatrix: ColumnMatrix
    /// Rows per chunk: the PCA's copy of a 50-feature batch is 25 KiB, and of a 384-dimensional
    /// vector's 192 KiB; a chunk of 64 rows still makes `dgemm` the cost of the projection.
    static let reconstructionChunk = 64
    private var projection = PrincipalComponents.Scratch()
    /// A chunk of a vector batch transposed for its PCA, and the random-feature products (reused).
    private var vectorMatrix = ColumnMatrix(rows: 0, columns: 1)
    private var featureScratch: [Double] = []
    private var recentRequests = RecentRequests()

    /// Whether a pane is still open (records of a window not yet judged).
    public var hasOpenPane: Bool { batch.count > 0 || panes.contains { !$0.isClosed } }

    /// Takes over from the monitor of the same model with another reference, which has no open
    /// pane: its drift state, window count and position, and recent request ids. Sliding
    /// windows start afresh: panes summarised against the old reference do not merge with these.
    public func takeOver(from old: Monitor) {
        stateMachine = DriftStateMachine(policy: policy, state: old.stateMachine.state)
        windowsClosed = old.windowsClosed
        lineage = old.lineage
        lateRecords = old.lateRecords
        nextKey = old.nextKey
        closedBefore = old.closedBefore
        lastEvaluatedPane = old.lastEvaluatedPane
        newestEventTime = old.newestEventTime
        eventTimeLimit = old.eventTimeLimit
        recentRequests = old.recentRequests
    }

    /// - Parameters:
    ///   - space: must already declare the reference's features.
    ///   - window: how records are cut into windows.
    ///   - batchCapacity: rows per batch; by default ``defaultBatchCapacity(columns:)`` of the reference's scalar features.
    public init(
        model: String, reference: ReferenceProfile, policy: DriftPolicy, window: WindowSpec, space: FeatureSpace,
        batchCapacity: Int? = nil
    ) throws(SchemaError) {
        guard !reference.features.isEmpty else { throw .empty(model: model) }
        self.model = model
        self.reference = reference
        self.policy = policy
        self.window = window
        self.batchCapacity = max(1, batchCapacity ?? Self.defaultBatchCapacity(columns: reference.features.count { $0.kind != .vector }))
        stateMachine = DriftStateMachine(policy: policy)
        var numeric: [NumericReference] = []
        var categorical: [CategoricalReference] = []
        var numericSources: [Int] = []
        var categoricalSources: [Int] = []
        var vectors: [VectorReference] = []
        var vectorSources: [Int] = []
        var slots: [(slot: Int, kind: Feature.Kind)] = []
        for feature in reference.features {
            guard let slot = space.slot(of: feature.name), space.features[slot].kind == feature.kind else {
                throw .unknownFeature(feature.name)
            }
            if feature.kind == .vector, space.features[slot].dimension != feature.vector?.dimension {
                throw .conflictingDimensions(feature: feature.name, space.features[slot].dimension ?? 0, feature.vector?.dimension ?? 0)
            }
            slots.append((slot, feature.kind))
            switch feature.kind {
            case .numeric:
                numeric.append(NumericReference(feature))
                numericSources.append(space.kindIndex[slot])
            case .categorical:
                categorical.append(CategoricalReference(feature, dictionaryIndex: space.kindIndex[slot]))
                categoricalSources.append(space.kindIndex[slot])
            case .vector:
                guard let profile = feature.vector, profile.isUsable else { throw .badVectorProfile(feature: feature.name) }
                vectors.append(VectorReference(feature, profile: profile))
                vectorSources.append(space.kindIndex[slot])
            }
        }
        var columnOfSlot = [Int](repeating: -1, count: space.features.count)
        let numericSlots = slots.filter { $0.kind == .numeric }.map(\.slot)
        let categoricalSlots = slots.filter { $0.kind == .categorical }.map(\.slot)
        let vectorSlots = slots.filter { $0.kind == .vector }.map(\.slot)
        for (column, slot) in (numericSlots + categoricalSlots + vectorSlots).enumerated() { columnOfSlot[slot] = column }
        self.numericFeatures = numeric
        locators = numeric.map(\.locator)
        ranges = numeric.map(\.range)
        shifts = numeric.map { $0.moments.count > 0 ? $0.moments.mean : 0 }
        self.categoricalFeatures = categorical
        self.numericSources = numericSources
        self.categoricalSources = categoricalSources
        self.vectorFeatures = vectors
        self.vectorSources = vectorSources
        self.columnOfSlot = columnOfSlot
        batch = RecordBatch(
            numericColumns: numeric.count, categoricalColumns: categorical.count, vectorDimensions: vectors.map(\.profile.dimension),
            capacity: self.batchCapacity)
        batchMatrix = ColumnMatrix(rows: 0, columns: numeric.count)
    }

    /// A monitor of tumbling windows of `windowRecords` records.
    public convenience init(
        model: String, reference: ReferenceProfile, policy: DriftPolicy, windowRecords: Int, space: FeatureSpace,
        batchCapacity: Int? = nil
    ) throws(SchemaError) {
        try self.init(
            model: model, reference: reference, policy: policy, window: .tumbling(records: max(1, windowRecords)), space: space,
            batchCapacity: batchCapacity)
    }

    /// Rows per batch for `columns` scalar features: 1,024, fewer where that would pass 64 KiB
    /// of columns (128 rows at 50 features), at least 64. Ten models of 50 features keep 640 KiB
    /// of batches, not 4 MiB; a fold costs per value, so smaller batches cost little.
    public static func defaultBatchCapacity(columns: Int) -> Int {
        let rows = (64 << 10) / (MemoryLayout<Double>.size * max(1, columns))
        var capacity = 64
        while capacity * 2 <= min(rows, 1024) { capacity *= 2 }
        return capacity
    }

    /// Records in the open panes.
    public var openRecords: Int {
        panes.lazy.filter { !$0.isClosed }.map(\.summary.records).reduce(0, +) + batch.count
    }

    /// Whether a pane is complete: call ``closePane(space:wallTime:)`` until it is false.
    @inline(__always)
    public var hasPaneToClose: Bool {
        switch window {
        case .records(_, let slide):
            guard let index = batchPane ?? (panes.last?.isClosed == false ? panes.count - 1 : nil) else { return false }
            return panes[index].summary.records + batch.count >= slide
        case .eventTime:
            guard let nextCloseTime else { return false }
            return min(newestEventTime, eventTimeLimit) >= nextCloseTime
        }
    }

    /// What is known about a record beyond its values, from the message that carried it.
    public struct RecordFlags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Its request id repeats a recent one (``isDuplicate(requestID:)``).
        public static let duplicate = RecordFlags(rawValue: 1)
        /// Its message had a field outside the schema.
        public static let unknownFields = RecordFlags(rawValue: 2)
    }

    /// Adds a decoded record to its pane: the open one, or by event time. Returns false for a
    /// late record (its pane already closed): it is counted in ``lateRecords`` and not added.
    /// Close panes while ``hasPaneToClose``.
    @discardableResult
    public func append(_ row: DecodedRow, eventTime: Int64?, flags: RecordFlags = []) -> Bool {
        let time = row.timestampMilliseconds ?? eventTime
        let index: Int
        switch window {
        case .records:
            index = batchPane ?? openCountPane()
        case .eventTime(_, let slide, _):
            let at = time ?? Swift.max(newestEventTime, 0)
            let key = at >= 0 ? at / slide : (at + 1) / slide - 1
            if key < closedBefore {
                lateRecords += 1
                lateSinceClose += 1
                return false
            }
            if let current = batchPane, panes[current].key == key {
                index = current
            } else {
                index = pane(for: key)
            }
            if at > newestEventTime { newestEventTime = at }
        }
        batch.append(row, numericSources: numericSources, categoricalSources: categoricalSources, vectorSources: vectorSources)
        for slot in row.typeMismatches where columnOfSlot[slot] >= 0 {
            batch.countTypeMismatch(column: columnOfSlot[slot])
        }
        for slot in row.nonFinite where columnOfSlot[slot] >= 0 {
            batch.countNonFinite(column: columnOfSlot[slot])
        }
        if !flags.isEmpty {
            if flags.contains(.duplicate) { panes[index].summary.duplicateRecords += 1 }
            if flags.contains(.unknownFields) { panes[index].summary.unknownFieldRecords += 1 }
        }
        if let time { panes[index].summary.noteEventTime(time) }
        if batch.count >= batchCapacity { foldBatch() }
        return true
    }

    /// Notes that the record just appended came from this partition (a dense id) and offset,
    /// so that ``lowestHeldOffset(partition:)`` keeps it until its last window is evaluated.
    public func hold(partition: Int, offset: Int64) {
        guard let index = batchPane else { return }
        panes[index].hold(partition: partition, offset: offset)
    }

    /// The offset of the first record of this partition that a window still needs, if any.
    public func lowestHeldOffset(partition: Int) -> Int64? {
        var lowest: Int64?
        for pane in panes where partition < pane.firstOffsets.count && pane.firstOffsets[partition] >= 0 {
            lowest = Swift.min(lowest ?? .max, pane.firstOffsets[partition])
        }
        return lowest
    }

    /// Notes a message's request id; true if the model saw it recently (then flag its records
    /// ``RecordFlags/duplicate``).
    public func isDuplicate(requestID: UnsafeRawBufferPointer) -> Bool {
        recentRequests.insert(requestID)
    }

    /// Keeps the name of a field outside the schema for the report of the last appended
    /// record's window (the first few): call it after ``append(_:eventTime:flags:)``.
    public func noteUnknownField(named name: UnsafeRawBufferPointer) {
        guard let index = batchPane ?? panes.indices.last else { return }
        guard panes[index].summary.unknownFields.count < WindowSummary.unknownFieldNames,
            !panes[index].summary.unknownFields.contains(where: { $0.utf8.elementsEqual(name) })
        else { return }
        panes[index].summary.unknownFields.append(String(decoding: name, as: UTF8.self))
    }

    /// Folds buffered rows into their pane's summary with the column kernels.
    public func foldBatch() {
        guard batch.count > 0, let index = batchPane else { return }
        fold(batch, into: index)
        batch.removeAll()
    }

    /// Adds a whole batch to the open window, its columns in the order of the reference's
    /// numeric and categorical features, its codes from `space`'s dictionaries.
    public func add(_ columns: RecordBatch) {
        foldBatch()
        let index = batchPane ?? (panes.lastIndex { !$0.isClosed } ?? openCountPane())
        fold(columns, into: index)
    }

    private func fold(_ columns: RecordBatch, into index: Int) {
        panes[index].summary.add(columns, locators: locators, ranges: ranges, shifts: shifts)
        if let baseline = reference.multivariate, baseline.basis.dimension == columns.numeric.count {
            for chunk in Self.reconstructionChunks(rows: columns.count) {
                batchMatrix.load(columns: columns.numeric, rows: chunk)
                baseline.basis.accumulateErrors(
                    standardisingInPlace: &batchMatrix, into: &panes[index].summary.reconstruction, scratch: &projection)
            }
        }
        for (i, reference) in vectorFeatures.enumerated() where i < columns.vectors.count && !columns.vectors[i].isEmpty {
            columns.vectors[i].withUnsafeBufferPointer { rows in
                reference.map.accumulate(rows: rows, into: &panes[index].summary.vectors[i].embedding, scratch: &featureScratch)
                panes[index].summary.vectors[i].mean.add(rows: rows)
                guard let baseline = reference.profile.reconstruction else { return }
                let d = reference.profile.dimension
                if vectorMatrix.columns != d { vectorMatrix = ColumnMatrix(rows: 0, columns: d) }
                for chunk in Self.reconstructionChunks(rows: rows.count / d) {
                    vectorMatrix.load(rowMajor: UnsafeBufferPointer(rebasing: rows[(chunk.lowerBound * d)..<(chunk.upperBound * d)]))
                    baseline.basis.accumulateErrors(
                        standardisingInPlace: &vectorMatrix, into: &panes[index].summary.vectors[i].reconstruction, scratch: &projection)
                    let wanted = WindowSummary.Vector.projectedRows - panes[index].summary.vectors[i].projected.count / 2
                    if wanted > 0 {
                        panes[index].summary.vectors[i].projected += VectorProfile.project(
                            vectorMatrix, on: baseline.basis, rows: wanted, standardised: true)
                    }
                }
            }
        }
    }

    /// A batch's rows cut into chunks of ``reconstructionChunk`` for the PCA.
    private static func reconstructionChunks(rows: Int) -> some Sequence<Range<Int>> {
        stride(from: 0, to: rows, by: reconstructionChunk).lazy.map { $0..<min($0 + reconstructionChunk, rows) }
    }

    /// Forgets the open panes, and the closed ones a later window needs, as if their records had
    /// not come: after a rebalance they are read again from the committed offsets, by this agent
    /// or another, and windows already evaluated are not evaluated again.
    public func discardOpenWindow() {
        restore(checkpoint)
    }

    /// What must survive a restart for the next window to be judged as if none happened.
    public var checkpoint: Checkpoint {
        let firstRetained: Int64? =
            if let first = panes.first?.key { first } else {
                switch window {
                case .records: nextKey
                case .eventTime: closedBefore == .min ? nil : closedBefore
                }
            }
        return Checkpoint(
            state: stateMachine.state, windowsClosed: windowsClosed, firstPane: firstKey, firstRetainedPane: firstRetained,
            lastEvaluatedPane: lastEvaluatedPane, lineage: lineage)
    }

    /// Continues from a checkpoint taken by an earlier run (or by this one before a rebalance):
    /// the records from the committed offsets on fill the panes from `firstRetainedPane`.
    public func restore(_ checkpoint: Checkpoint) {
        batch.removeAll()
        batchPane = nil
        while let pane = panes.popLast() { spare.append(pane) }
        stateMachine = DriftStateMachine(policy: policy, state: checkpoint.state)
        windowsClosed = checkpoint.windowsClosed
        if let restored = checkpoint.lineage { lineage = restored }
        lastEvaluatedPane = checkpoint.lastEvaluatedPane
        firstKey = checkpoint.firstPane
        newestEventTime = .min
        nextCloseTime = nil
        switch window {
        case .records: nextKey = checkpoint.firstRetainedPane ?? 0
        case .eventTime: closedBefore = checkpoint.firstRetainedPane ?? .min
        }
    }

    /// A monitor's drift state and window position, committed with the offsets they belong to.
    public struct Checkpoint: Sendable, Hashable, Codable {
        public var state: DriftStateMachine.State
        public var windowsClosed: Int
        /// The monitor's first pane ever: windows reaching before it are partial.
        public var firstPane: Int64?
        /// The first pane whose records come after the committed offsets: records of earlier
        /// event-time panes are late, and record-count panes are numbered from it.
        public var firstRetainedPane: Int64?
        /// The pane that ended the last evaluated window.
        public var lastEvaluatedPane: Int64?
        /// See ``Monitor/lineage``.
        public var lineage: UInt64?

        public init(
            state: DriftStateMachine.State, windowsClosed: Int, firstPane: Int64? = nil, firstRetainedPane: Int64? = nil,
            lastEvaluatedPane: Int64? = nil, lineage: UInt64? = nil
        ) {
            self.state = state
            self.windowsClosed = windowsClosed
            self.firstPane = firstPane
            self.firstRetainedPane = firstRetainedPane
            self.lastEvaluatedPane = lastEvaluatedPane
            self.lineage = lineage
        }

        enum CodingKeys: String, CodingKey {
            case state, windowsClosed, lineage
            case firstPane = "origin"
            case firstRetainedPane = "resume"
            case lastEvaluatedPane = "last"
        }
    }
}

/// A numeric feature's reference, prepared for the hot path and for window evaluation.
struct NumericReference {
    let profile: FeatureProfile
    let edges: BinEdges
    let locator: BinLocator
    /// For each PSI bin, its first fine bin. A fine bin's PSI bin rises with it (both sets of
    /// edges are sorted), so the fine bins of a PSI bin are consecutive: a few integers per
    /// feature, not one per fine bin.
    let coarseStarts: [Int]
    let histogram: Histogram
    let coarseCounts: [Int]
    let range: ClosedRange<Double>
    let moments: Moments
    /// The reference has more than one value (else a constant window is no news).
    var varies: Bool { moments.count > 0 && moments.min < moments.max }

    var binCount: Int { edges.binCount }

    init(_ profile: FeatureProfile) {
        self.profile = profile
        edges = BinEdges(profile.edges ?? [])
        locator = BinLocator(edges: edges)
        let psiEdges = BinEdges(profile.psiEdges ?? [])
        var starts = [Int](repeating: edges.binCount, count: psiEdges.binCount)
        for fine in (0..<edges.binCount).reversed() {
            starts[fine == 0 ? 0 : psiEdges.bin(of: edges.values[fine - 1])] = fine
        }
        // A PSI bin no fine bin falls in starts where the next one does: it stays empty.
        for coarse in stride(from: starts.count - 2, through: 0, by: -1) { starts[coarse] = min(starts[coarse], starts[coarse + 1]) }
        coarseStarts = starts
        let histogram = profile.histogram ?? Histogram(binCount: edges.binCount)
        self.histogram = histogram
        let moments = profile.moments ?? Moments()
        self.moments = moments
        range = moments.count > 0 ? moments.min...moments.max : -Double.infinity...Double.infinity
        coarseCounts = Self.fold(histogram.counts, coarseStarts: starts)
    }

    /// Fine-bin counts added up into the PSI bins.
    func coarse(_ counts: [Int]) -> [Int] {
        Self.fold(counts, coarseStarts: coarseStarts)
    }

    private static func fold(_ counts: [Int], coarseStarts: [Int]) -> [Int] {
        var coarse = [Int](repeating: 0, count: coarseStarts.count)
        var bin = 0
        for (fine, count) in counts.enumerated() {
            while bin + 1 < coarseStarts.count && fine >= coarseStarts[bin + 1] { bin += 1 }
            coarse[bin] += count
        }
        return coarse
    }
}

/// A vector feature's reference, with its random-feature map drawn once.
struct VectorReference {
    let name: String
    let profile: VectorProfile
    let map: RandomFourierFeatures

    init(_ feature: FeatureProfile, profile: VectorProfile) {
        name = feature.name
        self.profile = profile
        map = profile.randomFourierFeatures
    }

    var shape: (dimension: Int, randomFeatures: Int) { (profile.dimension, profile.randomFeatures) }
}

/// A categorical feature's reference.
struct CategoricalReference {
    let profile: FeatureProfile
    let dictionaryIndex: Int
    let categories: [String]
    let counts: [Int]
    let indexOfCategory: [String: Int]
    /// For a boolean feature (its reference categories are "true" and "false"), the index of "true".
    let booleanTrueIndex: Int?
    /// The reference has more than one category with records.
    let varies: Bool

    init(_ profile: FeatureProfile, dictionaryIndex: Int) {
        self.profile = profile
        self.dictionaryIndex = dictionaryIndex
        categories = profile.categories ?? []
        counts = profile.categoryCounts ?? []
        indexOfCategory = Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        booleanTrueIndex = Set(categories) == ["true", "false"] ? indexOfCategory["true"] : nil
        varies = counts.lazy.filter { $0 > 0 }.count > 1
    }
}
