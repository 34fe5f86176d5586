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
    func safeOffsets() -> [TopicPartition: Int64] {
        OffsetLedger.safeOffsets(partitions: clock.partitions, positions: consumer.positions) { id in
            var held = join.lowestWaitingOffset(partition: id)
            for target in router.watched {
                if let offset = target.monitor.lowestHeldOffset(partition: id) { held = min(held ?? offset, offset) }
            }
            return held
        }
    }

    /// Commits the safe offsets with every model's checkpoint, when the ledger says it is due.
    func commit(force: Bool) {
        guard let offsets = ledger.due(safe: safeOffsets(), assigned: Set(consumer.assignment()), force: force) else { return }
        do {
            try consumer.commit(offsets, metadata: checkpointMetadata())
            ledger.didCommit(offsets)
        } catch {
            ledger.commitFailed()
            logger.warning("committing offsets failed; a restart re-reads from the last commit", metadata: ["error": "\(error)"])
        }
    }

    func checkpointMetadata() -> [UInt8] {
        let bytes = PipelineCheckpoint(models: router.checkpoints).encoded()
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
        case .revoked(let revoked):
            // Give the next owner the offsets of what this member finished; the open windows
            // started after them, so they are dropped and read again from there.
            if lifecycle.revoked(safeOffsets: safeOffsets()) == .commitAndDiscard { commit(force: true) }
            router.discardOpenWindows()
            clock.forgetEventTimes()
            join = InferenceJoin(timeoutMilliseconds: settings.joinTimeoutMilliseconds, capacity: settings.joinCapacity)
            logger.info("partitions revoked: open windows discarded", metadata: ["partitions": "\(revoked)"])
        case .assigned(let assigned):
            guard lifecycle.assigned() == .restoreCheckpoints else { return }
            restoreCheckpoints(of: assigned)
        }
    }

    /// Takes up each model's drift state from the newest checkpoint committed with these partitions.
    func restoreCheckpoints(of assigned: [TopicPartition]) {
        let committed: [TopicPartition: (offset: Int64, metadata: [UInt8])]
        do {
            committed = try consumer.committedWithMetadata(assigned)
        } catch {
            logger.warning("reading committed checkpoints failed; models start at ok", metadata: ["error": "\(error)"])
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
        router.restore(from: checkpoints)
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
