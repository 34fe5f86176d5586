import KafkaIO

/// The consumer's lifecycle across polls, rebalances, failures and shutdown.
///
/// librdkafka calls the rebalance callback, and hands records over, inside a poll; neither can
/// throw. This state machine decides what happens to the rest of a poll after a rebalance or a
/// failure, and whether an assignment may take up a committed checkpoint: each event returns
/// the action the ``Pipeline`` carries out.
struct ConsumerLifecycle {
    enum State {
        /// Reading, and no window closed yet in this run: an assignment may take up the drift
        /// state an earlier run committed.
        case fresh
        /// Reading, with windows of this run closed: its own drift state is newer than any commit.
        case consuming
        /// Partitions were revoked inside the current poll. Its other records may be from before
        /// the rebalance: they are dropped, and each partition read again from the lowest offset
        /// in `rewind` once the poll returns.
        case rebalanced(rewind: [TopicPartition: Int64], restorable: Bool)
        /// Something failed inside the current poll: the rest of it is ignored and the failure
        /// ends the run once the poll returns.
        case failed(PipelineError)
        /// The loop ended: the last batch is folded and committed, no record is taken.
        case draining
    }

    private(set) var state = State.fresh

    enum RecordAction: Equatable {
        case process
        case drop
    }

    enum AssignmentAction: Equatable {
        /// Take up each model's state from the checkpoints committed with the partitions.
        case restoreCheckpoints
        case keepState
    }

    enum PollEndAction {
        case proceed
        /// Read these partitions again from these offsets, then proceed.
        case seek([TopicPartition: Int64])
        /// End the run with this error.
        case fail(PipelineError)
    }

    /// A record arrives from `partition` at `offset` (built only when needed: this runs per record).
    mutating func received(offset: Int64, from partition: @autoclosure () -> TopicPartition) -> RecordAction {
        switch state {
        case .fresh, .consuming:
            return .process
        case .rebalanced(var rewind, let restorable):
            let partition = partition()
            rewind[partition] = min(rewind[partition] ?? .max, offset)
            state = .rebalanced(rewind: rewind, restorable: restorable)
            return .drop
        case .failed, .draining:
            return .drop
        }
    }

    enum RevocationAction: Equatable {
        /// Commit the safe offsets for the partitions' next owner, then drop the open windows.
        case commitAndDiscard
        /// Drop the open windows and commit nothing: after a failure, the safe offsets may be
        /// past a window whose events Kafka never acknowledged.
        case discard
    }

    /// Partitions are being revoked; `safeOffsets` are where the dropped open windows began.
    mutating func revoked(safeOffsets: @autoclosure () -> [TopicPartition: Int64]) -> RevocationAction {
        switch state {
        case .fresh, .consuming:
            state = .rebalanced(rewind: safeOffsets(), restorable: isRestorable)
            return .commitAndDiscard
        case .rebalanced(var rewind, let restorable):
            rewind.merge(safeOffsets(), uniquingKeysWith: min)
            state = .rebalanced(rewind: rewind, restorable: restorable)
            return .commitAndDiscard
        case .draining:
            return .commitAndDiscard
        case .failed:
            return .discard
        }
    }

    mutating func assigned() -> AssignmentAction {
        isRestorable ? .restoreCheckpoints : .keepState
    }

    /// A window (or a member's pane) closed: from now on this run's drift state is the newest.
    mutating func windowClosed() {
        switch state {
        case .fresh: state = .consuming
        case .rebalanced(let rewind, _): state = .rebalanced(rewind: rewind, restorable: false)
        case .consuming, .failed, .draining: break
        }
    }

    /// The first failure wins; later ones are consequences of it. A failure while draining
    /// counts too: the drain's commit is what it stops.
    mutating func failed(_ error: PipelineError) {
        if case .failed = state { return }
        state = .failed(error)
    }

    var hasFailed: Bool {
        if case .failed = state { true } else { false }
    }

    /// The poll (or the batch's join expiry) returned.
    mutating func pollEnded() -> PollEndAction {
        switch state {
        case .fresh, .consuming, .draining:
            return .proceed
        case .rebalanced(let rewind, let restorable):
            state = restorable ? .fresh : .consuming
            return .seek(rewind)
        case .failed(let error):
            return .fail(error)
        }
    }

    mutating func drain() {
        state = .draining
    }

    private var isRestorable: Bool {
        switch state {
        case .fresh: true
        case .rebalanced(_, let restorable): restorable
        case .consuming, .failed, .draining: false
        }
    }
}
