import DriftMonitor
import Ingest
import KafkaIO
import Logging
import Telemetry

/// Offsets and checkpoints: what is committed, and what a rebalance gives up, takes over and
/// reads again. The decisions are the ``OffsetLedger``'s and the ``ConsumerLifecycle``'s.
extension Pipeline {
    /// Per assigned partition: the offset before which every record is accounted for (in a
    /// closed window, dead-lettered, or routed nowhere).
    /// With `performance` false, the offsets the drift windows alone would commit: where they
    /// resume when predictions still waiting for labels hold the commit further back.
    func safeOffsets(performance: Bool = true) -> [TopicPartition: Int64] {
        let performanceHeld = performance ? performanceHeldOffsets() : [:]
        return OffsetLedger.safeOffsets(partitions: clock.partitions, positions: consumer.positions) { id in
            var held = join.lowestWaitingOffset(partition: id)
            for target in router.watched {
                if let offset = target.monitor.lowestHeldOffset(partition: id) { held = min(held ?? offset, offset) }
            }
            if let offset = performanceHeld[id] { held = min(held ?? offset, offset) }
            return held
        }
    }

    /// Commits the safe offsets with every model's checkpoint, when the ledger says it is due.
    func commit(force: Bool) {
        let safe = safeOffsets()
        guard let offsets = ledger.due(safe: safe, assigned: Set(consumer.assignment()), force: force) else { return }
        do {
            try consumer.commit(offsets, metadata: checkpointMetadata(safe: safe))
            ledger.didCommit(offsets)
            logger.debug("offsets committed", metadata: ["offsets": "\(Self.describe(offsets))"])
        } catch {
            ledger.commitFailed()
            logger.warning("committing offsets failed; a restart re-reads from the last commit", metadata: ["error": "\(error)"])
        }
    }

    /// `logs[0]:316,logs[1]:287`, by partition.
    static func describe(_ offsets: [TopicPartition: Int64]) -> String {
        offsets.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// Every model's checkpoint, for the commit of `safe` (``safeOffsets(performance:)``).
    func checkpointMetadata(safe: [TopicPartition: Int64]) -> [UInt8] {
        var checkpoint = PipelineCheckpoint(models: router.checkpoints)
        let trackers = router.watched.compactMap { target in target.performance.map { (target.model, $0) } }
        if !trackers.isEmpty {
            checkpoint.performance = Dictionary(uniqueKeysWithValues: trackers.map { ($0, $1.checkpoint) })
            // Where the drift windows resume, for partitions whose commit the labels hold back.
            var resume: [String: Int64] = [:]
            for (partition, offset) in safeOffsets(performance: false) where offset > safe[partition] ?? offset {
                resume["\(partition.topic)/\(partition.partition)"] = offset
            }
            checkpoint.resume = resume
        }
        let bytes = checkpoint.encoded()
        guard bytes.count <= PipelineCheckpoint.maximumBytes else {
            logger.warning(
                "the drift state of every model is too large to commit with the offsets; a restart starts each model at ok",
                metadata: ["bytes": "\(bytes.count)"])
            return []
        }
        return bytes
    }

    /// Runs inside a poll (or the consumer's close), before partitions are given up or taken.
    func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .revoked(let revoked), .lost(let revoked):
            // Give the next owner the offsets of what this member finished; the open windows
            // started after them, so they are dropped and read again from there. Lost
            // partitions cannot be committed (the coordinator is gone: the commit waited a
            // minute, the pipeline with it): the next owner reads from the last commit.
            let safe = safeOffsets()
            if lifecycle.revoked(safeOffsets: safe) == .commitAndDiscard {
                if case .revoked = event { commit(force: true) }
                ledger.revoke(safe: safe)
            }
            catalogue.setAssignment([])
            router.discardOpenWindows()
            resetPerformance()
            clock.forgetEventTimes()
            join = InferenceJoin(timeoutMilliseconds: settings.joinTimeoutMilliseconds, capacity: settings.joinCapacity)
            logger.info("partitions revoked: open windows discarded", metadata: ["partitions": "\(revoked)"])
        case .assigned(let assigned):
            catalogue.setAssignment(assigned.map { ($0.topic, $0.partition) })
            guard lifecycle.assigned() == .restoreCheckpoints else { return }
            restoreCheckpoints(of: assigned)
        }
    }

    /// Partitions given back to this member start where it had accounted for their records
    /// (see ``OffsetLedger/resumeOffsets(of:committed:)``).
    func resumeOffsets(of partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        let resumed = ledger.resumeOffsets(of: partitions) { own in (try? consumer.committed(own)) ?? [:] }
        if !resumed.isEmpty {
            logger.info("partitions resumed past the last commit", metadata: ["offsets": "\(Self.describe(resumed))"])
        }
        return resumed
    }

    /// Takes up each model's drift state from the newest checkpoint committed with these
    /// partitions; a model without one starts its count of windows at the offsets reading starts from.
    func restoreCheckpoints(of assigned: [TopicPartition]) {
        let committed: [TopicPartition: CommittedOffset]
        do {
            committed = try consumer.committedWithMetadata(assigned)
        } catch {
            logger.warning("reading committed checkpoints failed; models start at ok", metadata: ["error": "\(error)"])
            router.restore(from: [], lineage: Self.lineage(startingAt: nil))
            return
        }
        var checkpoints: [PipelineCheckpoint] = []
        for (partition, entry) in committed where !entry.metadata.isEmpty {
            guard let checkpoint = PipelineCheckpoint(decoding: entry.metadata) else {
                logger.warning("ignoring a checkpoint this version cannot read", metadata: ["partition": "\(partition)"])
                continue
            }
            checkpoints.append(checkpoint)
        }
        let starts = consumer.startOffsets(committed: committed.mapValues(\.offset))
        if starts == nil { logger.warning("the partitions' start offsets are unknown: record-count windows replayed after a crash get new event ids") }
        router.restore(from: checkpoints, lineage: Self.lineage(startingAt: starts))
        restorePerformance(from: checkpoints)
    }

    /// Takes up each tracker's performance state, and where its drift windows resume.
    func restorePerformance(from checkpoints: [PipelineCheckpoint]) {
        for target in router.watched {
            guard let tracker = target.performance,
                let (state, given) = checkpoints.lazy.compactMap({ checkpoint in checkpoint.performance?[target.model].map { ($0, checkpoint.resume) } }).first
            else { continue }
            var resume: [Int: Int64] = [:]
            for (key, offset) in given ?? [:] {
                guard let slash = key.lastIndex(of: "/"), let number = Int32(key[key.index(after: slash)...]),
                    let topicIndex = consumer.topics.firstIndex(of: String(key[..<slash]))
                else { continue }
                resume[clock.id(topicIndex: topicIndex, partition: number, topic: consumer.topics[topicIndex])] = offset
            }
            tracker.restore(state, resume: resume)
            logger.info(
                "performance state restored from the committed checkpoint",
                metadata: ["model": "\(target.model)", "state": "\(state.state.gauge)", "finished": "\(state.finished.count)", "resume": "\(given ?? [:])"])
        }
    }

    /// A digest of where a count of record-count windows starts: each partition and its start
    /// offset. A replay from the same offsets counts the same windows; reading from elsewhere
    /// (offsets expired, a checkpoint too large to commit) starts another count. Random when
    /// the offsets are unknown: then no replay shares it, and no other count either.
    static func lineage(startingAt starts: [TopicPartition: Int64]?) -> UInt64 {
        guard let starts else { return UInt64.random(in: .min ... .max) }
        return digest(of: starts.keys, offsets: starts)
    }

    /// A digest of the partitions assigned now (see ``DriftEvent/init(kind:report:policy:partitions:)``).
    func assignmentDigest() -> UInt64 {
        Self.digest(of: consumer.assignment(), offsets: [:])
    }

    /// A digest of partitions in order, each with its offset when `offsets` has one.
    private static func digest(of partitions: some Sequence<TopicPartition>, offsets: [TopicPartition: Int64]) -> UInt64 {
        var hash = StableHash()
        for partition in partitions.sorted() {
            hash.combine(partition.topic)
            hash.combine(Int(partition.partition))
            if let offset = offsets[partition] { hash.combine(Int(offset)) }
        }
        return hash.value
    }

    /// Sends the partitions still assigned back to the first record not accounted for.
    func rewindAfterRebalance(_ rewind: [TopicPartition: Int64]) {
        let assigned = Set(consumer.assignment())
        do {
            try consumer.seek(rewind.filter { assigned.contains($0.key) })
        } catch {
            logger.warning("seeking back after a rebalance failed", metadata: ["error": "\(error)"])
        }
    }
}
