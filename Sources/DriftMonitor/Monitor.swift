import DriftKernels

/// Watches one model: takes its records, keeps the open window's summary, and on close
/// tests every feature against the reference and advances the drift policy.
///
/// Used from the pipeline's thread only. Memory is O(features x bins) plus one batch of at
/// most ``batchCapacity`` rows, whatever the window size.
public final class Monitor {
    public let model: String
    public let reference: ReferenceProfile
    public let policy: DriftPolicy
    public let windowRecords: Int
    public let batchCapacity: Int
    public private(set) var stateMachine: DriftStateMachine
    /// Windows closed so far.
    public private(set) var windowsClosed = 0

    let numericFeatures: [NumericReference]
    let categoricalFeatures: [CategoricalReference]
    /// Per numeric feature, built once for the hot path.
    private let locators: [BinLocator]
    private let ranges: [ClosedRange<Double>]
    private let shifts: [Double]
    private let numericSources: [Int]
    private let categoricalSources: [Int]
    /// Column of the model (numeric first, then categorical) for each feature-space slot, or -1.
    private let columnOfSlot: [Int]
    private var batch: RecordBatch
    var summary: WindowSummary
    /// The batch's numeric columns side by side, and the projection, for the PCA (reused).
    private var batchMatrix: ColumnMatrix
    private var projection = PrincipalComponents.Scratch()
    private var recentRequests = RecentRequests()

    /// - Parameters:
    ///   - space: must already declare the reference's features.
    ///   - windowRecords: records per tumbling window.
    public init(
        model: String, reference: ReferenceProfile, policy: DriftPolicy, windowRecords: Int, space: FeatureSpace,
        batchCapacity: Int = 4096
    ) throws(SchemaError) {
        guard !reference.features.isEmpty else { throw .empty(model: model) }
        self.model = model
        self.reference = reference
        self.policy = policy
        self.windowRecords = max(1, windowRecords)
        self.batchCapacity = batchCapacity
        stateMachine = DriftStateMachine(policy: policy)
        var numeric: [NumericReference] = []
        var categorical: [CategoricalReference] = []
        var numericSources: [Int] = []
        var categoricalSources: [Int] = []
        var slots: [(slot: Int, kind: Feature.Kind)] = []
        for feature in reference.features {
            guard let slot = space.slot(of: feature.name), space.features[slot].kind == feature.kind else {
                throw .unknownFeature(feature.name)
            }
            slots.append((slot, feature.kind))
            switch feature.kind {
            case .numeric:
                numeric.append(NumericReference(feature))
                numericSources.append(space.kindIndex[slot])
            case .categorical:
                categorical.append(CategoricalReference(feature, dictionaryIndex: space.kindIndex[slot]))
                categoricalSources.append(space.kindIndex[slot])
            }
        }
        var columnOfSlot = [Int](repeating: -1, count: space.features.count)
        let numericSlots = slots.filter { $0.kind == .numeric }.map(\.slot)
        let categoricalSlots = slots.filter { $0.kind == .categorical }.map(\.slot)
        for (column, slot) in (numericSlots + categoricalSlots).enumerated() { columnOfSlot[slot] = column }
        self.numericFeatures = numeric
        locators = numeric.map(\.locator)
        ranges = numeric.map(\.range)
        shifts = numeric.map { $0.moments.count > 0 ? $0.moments.mean : 0 }
        self.categoricalFeatures = categorical
        self.numericSources = numericSources
        self.categoricalSources = categoricalSources
        self.columnOfSlot = columnOfSlot
        batch = RecordBatch(numericColumns: numeric.count, categoricalColumns: categorical.count, capacity: batchCapacity)
        summary = WindowSummary(numericBins: numeric.map(\.binCount), categoricalCount: categorical.count)
        batchMatrix = ColumnMatrix(rows: 0, columns: numeric.count)
    }

    /// Records in the open window.
    public var openRecords: Int { summary.records + batch.count }
    public var isWindowFull: Bool { openRecords >= windowRecords }

    /// What is known about a record beyond its values, from the message that carried it.
    public struct RecordFlags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Its request id repeats a recent one (``isDuplicate(requestID:)``).
        public static let duplicate = RecordFlags(rawValue: 1)
        /// Its message had a field outside the schema.
        public static let unknownFields = RecordFlags(rawValue: 2)
    }

    /// Adds a decoded record to the open window. Close the window when ``isWindowFull``.
    public func append(_ row: DecodedRow, eventTime: Int64?, flags: RecordFlags = []) {
        batch.append(row, numericSources: numericSources, categoricalSources: categoricalSources)
        for slot in row.typeMismatches where columnOfSlot[slot] >= 0 {
            batch.countTypeMismatch(column: columnOfSlot[slot])
        }
        for slot in row.nonFinite where columnOfSlot[slot] >= 0 {
            batch.countNonFinite(column: columnOfSlot[slot])
        }
        if !flags.isEmpty {
            if flags.contains(.duplicate) { summary.duplicateRecords += 1 }
            if flags.contains(.unknownFields) { summary.unknownFieldRecords += 1 }
        }
        if let time = row.timestampMilliseconds ?? eventTime { summary.noteEventTime(time) }
        if batch.count >= batchCapacity { foldBatch() }
    }

    /// Notes a message's request id; true if the model saw it recently (then flag its records
    /// ``RecordFlags/duplicate``).
    public func isDuplicate(requestID: UnsafeRawBufferPointer) -> Bool {
        recentRequests.insert(requestID)
    }

    /// Keeps the name of a field outside the schema for the window's report (the first few).
    public func noteUnknownField(named name: UnsafeRawBufferPointer) {
        guard summary.unknownFields.count < WindowSummary.unknownFieldNames,
            !summary.unknownFields.contains(where: { $0.utf8.elementsEqual(name) })
        else { return }
        summary.unknownFields.append(String(decoding: name, as: UTF8.self))
    }

    /// Folds buffered rows into the window summary with the column kernels.
    public func foldBatch() {
        guard batch.count > 0 else { return }
        fold(batch)
        batch.removeAll()
    }

    /// Adds a whole batch to the open window, its columns in the order of the reference's
    /// numeric and categorical features, its codes from `space`'s dictionaries.
    public func add(_ columns: RecordBatch) {
        foldBatch()
        fold(columns)
    }

    private func fold(_ columns: RecordBatch) {
        summary.add(columns, locators: locators, ranges: ranges, shifts: shifts)
        if let baseline = reference.multivariate, baseline.basis.dimension == columns.numeric.count {
            batchMatrix.load(columns: columns.numeric)
            baseline.basis.accumulateErrors(standardisingInPlace: &batchMatrix, into: &summary.reconstruction, scratch: &projection)
        }
    }

    /// Forgets the open window's records, as if they had not come: after a rebalance they are
    /// read again, by this agent or another.
    public func discardOpenWindow() {
        batch.removeAll()
        summary.reset()
    }

    /// What must survive a restart for the next window to be judged as if none happened.
    public var checkpoint: Checkpoint {
        Checkpoint(state: stateMachine.state, windowsClosed: windowsClosed)
    }

    /// Continues from a checkpoint taken by an earlier run.
    public func restore(_ checkpoint: Checkpoint) {
        stateMachine = DriftStateMachine(policy: policy, state: checkpoint.state)
        windowsClosed = checkpoint.windowsClosed
    }

    /// A monitor's drift state and window count, committed with the offsets they belong to.
    public struct Checkpoint: Sendable, Hashable, Codable {
        public var state: DriftStateMachine.State
        public var windowsClosed: Int

        public init(state: DriftStateMachine.State, windowsClosed: Int) {
            self.state = state
            self.windowsClosed = windowsClosed
        }
    }

    /// Closes the open window: evaluates it, advances the policy and starts a new window.
    /// - Parameter wallTime: now, in milliseconds since the epoch, for the event-age check.
    public func closeWindow(space: FeatureSpace, wallTime: Int64? = nil) -> (report: WindowReport, actions: [DriftStateMachine.Action]) {
        foldBatch()
        let report = evaluate(space: space, index: windowsClosed, wallTime: wallTime)
        let actions = stateMachine.advance(with: report)
        windowsClosed += 1
        summary.reset()
        return (report, actions)
    }
}

/// A numeric feature's reference, prepared for the hot path and for window evaluation.
struct NumericReference {
    let profile: FeatureProfile
    let edges: BinEdges
    let locator: BinLocator
    /// For each fine bin, the PSI bin that contains it.
    let coarseOfFine: [Int]
    let coarseBinCount: Int
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
        coarseBinCount = psiEdges.binCount
        let edges = edges
        let coarseOfFine = (0..<edges.binCount).map { fine in
            fine == 0 ? 0 : psiEdges.bin(of: edges.values[fine - 1])
        }
        self.coarseOfFine = coarseOfFine
        let histogram = profile.histogram ?? Histogram(binCount: edges.binCount)
        self.histogram = histogram
        let moments = profile.moments ?? Moments()
        self.moments = moments
        range = moments.count > 0 ? moments.min...moments.max : -Double.infinity...Double.infinity
        coarseCounts = Self.fold(histogram.counts, coarseOfFine: coarseOfFine, coarseBinCount: coarseBinCount)
    }

    /// Fine-bin counts added up into the PSI bins.
    func coarse(_ counts: [Int]) -> [Int] {
        Self.fold(counts, coarseOfFine: coarseOfFine, coarseBinCount: coarseBinCount)
    }

    private static func fold(_ counts: [Int], coarseOfFine: [Int], coarseBinCount: Int) -> [Int] {
        var coarse = [Int](repeating: 0, count: coarseBinCount)
        for (fine, count) in counts.enumerated() { coarse[coarseOfFine[fine]] += count }
        return coarse
    }
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
