import DriftMonitor
import Ingest
#if canImport(Glibc)
import Glibc
#endif
import KafkaIO
import Logging
import Telemetry

/// The offset ledger: what may be committed, the checkpoints committed with it, and what a
/// rebalance gives up, takes over and reads again.
extension Pipeline {
    /// Per assigned partition: the offset before which every record is accounted for (in a
    /// closed window, dead-lettered, or routed nowhere).
    func safeOffsets() -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for (id, partition) in partitions.enumerated() {
            guard let position = consumer.positions[partition] else { continue }
            var safe = position
            for target in watched {
                if let held = target.monitor.lowestHeldOffset(partition: id) { safe = min(safe, held) }
            }
            if let waiting = join.lowestWaitingOffset(partition: id) { safe = min(safe, waiting) }
            offsets[partition] = safe
        }
        return offsets
    }

    /// Commits the safe offsets with every model's checkpoint: at once after a window closed
    /// (or when `force`d), else at most every 5 s and only when they moved.
    func commit(force: Bool) {
        let now = ContinuousClock.now
        // After a closed window at once, but a failed commit is retried at most every second.
        let due = windowClosedSinceCommit ? now - lastCommit >= .seconds(1) || !lastCommitFailed : now - lastCommit >= .seconds(5)
        guard force || due else { return }
        lastCommit = now
        let assigned = Set(consumer.assignment())
        let offsets = safeOffsets().filter { assigned.contains($0.key) }
        guard offsets != committedOffsets || windowClosedSinceCommit else { return }
        do {
            try consumer.commit(offsets, metadata: checkpointMetadata())
            committedOffsets = offsets
            windowClosedSinceCommit = false
            lastCommitFailed = false
        } catch {
            lastCommitFailed = true
            logger.warning("committing offsets failed; a restart re-reads from the last commit", metadata: ["error": "\(error)"])
        }
    }

    func checkpointMetadata() -> [UInt8] {
        let checkpoints = PipelineCheckpoint(models: Dictionary(uniqueKeysWithValues: watched.map { ($0.monitor.model, $0.monitor.checkpoint) }))
        let bytes = checkpoints.encoded()
        guard bytes.count <= PipelineCheckpoint.maximumBytes else {
            logger.warning(
                "the drift state of every model is too large to commit with the offsets; a restart starts each model at ok",
                metadata: ["bytes": "\(bytes.count)"])
            return []
        }
        return bytes
    }

    /// Runs inside a poll, before partitions are given up or taken.
    func rebalance(_ event: RebalanceEvent) {
        switch event {
        case .revoked(let revoked):
            // Give the next owner the offsets of what this member finished; the open windows
            // started after them, so they are dropped and read again from there.
            commit(force: true)
            for (partition, offset) in safeOffsets() { rewind[partition] = min(rewind[partition] ?? .max, offset) }
            for target in watched {
                target.monitor.discardOpenWindow()
                target.coverage = PaneCoverage(sources: target.coverage.sources)
            }
            for id in newestEventTime.indices { newestEventTime[id] = .min }
            join = InferenceJoin(timeoutMilliseconds: settings.joinTimeoutMilliseconds, capacity: settings.joinCapacity)
            rebalancedDuringPoll = true
            logger.info("partitions revoked: open windows discarded", metadata: ["partitions": "\(revoked)"])
        case .assigned(let assigned):
            guard mayRestore else { return }
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
        var newest: [String: Monitor.Checkpoint] = [:]
        for (partition, entry) in committed where !entry.metadata.isEmpty {
            guard let checkpoint = PipelineCheckpoint(decoding: entry.metadata) else {
                logger.warning("ignoring a checkpoint this version cannot read", metadata: ["partition": "\(partition)"])
                continue
            }
            for (model, state) in checkpoint.models where state.windowsClosed > newest[model]?.windowsClosed ?? -1 {
                newest[model] = state
            }
        }
        restoredCheckpoints = newest
        for target in watched { restore(target) }
    }

    /// Takes up a monitor's drift state from the checkpoint read at the first assignment.
    func restore(_ target: Watched) {
        guard let checkpoint = restoredCheckpoints[target.monitor.model], checkpoint.windowsClosed > target.monitor.windowsClosed else { return }
        target.monitor.restore(checkpoint)
        target.metrics.setState(checkpoint.state.gauge)
        logger.info(
            "drift state restored from the committed checkpoint",
            metadata: ["model": "\(target.monitor.model)", "state": "\(checkpoint.state.gauge)", "windows": "\(checkpoint.windowsClosed)"])
    }

    /// Sends the partitions still assigned back to the first record not accounted for.
    func rewindAfterRebalance() {
        rebalancedDuringPoll = false
        let assigned = Set(consumer.assignment())
        let targets = rewind.filter { assigned.contains($0.key) }
        rewind.removeAll()
        do {
            try consumer.seek(targets)
        } catch {
            logger.warning("seeking back after a rebalance failed", metadata: ["error": "\(error)"])
        }
    }
}
