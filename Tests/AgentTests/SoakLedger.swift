import Foundation

/// What the logs of a soak's agent processes say about windows and commits (see `SoakTests`).
struct SoakLedger {
    struct Window {
        var process: Int
        var index: Int
        /// Per partition (`logs[3]`), the first and last offset the window held.
        var ranges: [String: ClosedRange<Int64>]
        var events: [String]
        /// A commit after it was refused before one succeeded (the mock broker refuses commits
        /// while the group rebalances, where a real broker takes the outgoing generation's).
        var commitRefused = false
    }

    private(set) var windows: [Window] = []
    /// Per partition, the ranges of windows a later commit of their own process passed while
    /// the partition stayed with it: these records are not read again.
    private(set) var kept: [String: [ClosedRange<Int64>]] = [:]
    /// Windows every range of which was kept.
    private(set) var windowsKept = 0
    /// The last commit of the last process: how far the group got.
    private(set) var committedAtEnd: [String: Int64] = [:]

    init(logs: [[String]]) {
        var leftovers: [(window: Int, partition: String, range: ClosedRange<Int64>, process: Int)] = []
        var keptCount: [Int: Int] = [:]
        for (process, lines) in logs.enumerated() {
            // Ranges not yet passed by a commit: (window, partition, range).
            var pending: [(window: Int, partition: String, range: ClosedRange<Int64>)] = []
            var keptRanges: [Int: Int] = [:]
            for line in lines {
                if line.contains("window closed"), let index = AgentProcess.value(of: "window", in: line).flatMap(Int.init),
                    let offsets = AgentProcess.value(of: "offsets", in: line)
                {
                    let events = AgentProcess.value(of: "events", in: line).map { $0.split(separator: ",").map(String.init) } ?? []
                    let window = Window(process: process, index: index, ranges: Self.ranges(offsets), events: events)
                    pending += window.ranges.map { (windows.count, $0.key, $0.value) }
                    windows.append(window)
                } else if line.contains("offsets committed"), let offsets = AgentProcess.value(of: "offsets", in: line) {
                    let committed = Self.offsets(offsets)
                    pending.removeAll { item in
                        guard let offset = committed[item.partition], offset > item.range.upperBound else { return false }
                        kept[item.partition, default: []].append(item.range)
                        keptRanges[item.window, default: 0] += 1
                        return true
                    }
                    if process == logs.count - 1 { committedAtEnd = committed }
                } else if line.contains("committing offsets failed") {
                    for item in pending { windows[item.window].commitRefused = true }
                } else if line.contains("partitions assigned") {
                    // A partition that moved away before its commit is read again by its next owner.
                    let assigned = Set(Self.partitionNames(in: line))
                    pending.removeAll { !assigned.contains($0.partition) }
                }
            }
            leftovers += pending.map { ($0.window, $0.partition, $0.range, process) }
            for (window, count) in keptRanges { keptCount[window, default: 0] += count }
        }
        // A process killed right after a commit may not have logged it: what it left pending
        // was committed unless a later process read those records again.
        for item in leftovers {
            let readAgain = windows.contains { window in
                window.process > item.process && window.ranges[item.partition]?.overlaps(item.range) ?? false
            }
            if !readAgain {
                kept[item.partition, default: []].append(item.range)
                keptCount[item.window, default: 0] += 1
            }
        }
        windowsKept = keptCount.filter { $0.value == windows[$0.key].ranges.count }.count
    }

    /// Offsets below the end's commit that no kept window holds, and offsets two kept windows hold.
    func coverage() -> (committed: Int, lost: Int, duplicated: Int) {
        var lost = 0
        var duplicated = 0
        for (partition, end) in committedAtEnd {
            let ranges = (kept[partition] ?? []).sorted { $0.lowerBound < $1.lowerBound }
            var next: Int64 = 0
            for range in ranges {
                if range.lowerBound > next { lost += Int(min(range.lowerBound, end) - next) }
                if range.lowerBound < next { duplicated += Int(min(next, range.upperBound + 1) - range.lowerBound) }
                next = max(next, range.upperBound + 1)
            }
            if next < end { lost += Int(end - next) }
        }
        return (Int(committedAtEnd.values.reduce(0, +)), lost, duplicated)
    }

    /// Pairs of windows holding some of the same records that published an event type under
    /// two ids: `second` in all, `afterRefusedCommit` of them where the first window's commit
    /// was refused and another process read its records again (in its own count).
    func secondIDs(typeOf: [String: String]) -> (second: Int, afterRefusedCommit: Int) {
        let published = windows.filter { !$0.events.isEmpty }
        var second = 0
        var afterRefusedCommit = 0
        for (i, first) in published.enumerated() {
            for later in published[(i + 1)...] where Self.overlap(first, later) {
                let types = Dictionary(first.events.compactMap { id in typeOf[id].map { ($0, id) } }, uniquingKeysWith: { a, _ in a })
                for id in later.events {
                    guard let type = typeOf[id], let earlier = types[type], earlier != id else { continue }
                    second += 1
                    if first.commitRefused && later.process != first.process { afterRefusedCommit += 1 }
                }
            }
        }
        return (second, afterRefusedCommit)
    }

    static func overlap(_ a: Window, _ b: Window) -> Bool {
        a.ranges.contains { partition, range in b.ranges[partition]?.overlaps(range) ?? false }
    }

    /// `logs[0]:200-315,logs[1]:200-286`
    static func ranges(_ text: String) -> [String: ClosedRange<Int64>] {
        var ranges: [String: ClosedRange<Int64>] = [:]
        for entry in text.split(separator: ",") {
            guard let colon = entry.lastIndex(of: ":") else { continue }
            let bounds = entry[entry.index(after: colon)...].split(separator: "-").compactMap { Int64($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] { ranges[String(entry[..<colon])] = bounds[0]...bounds[1] }
        }
        return ranges
    }

    /// The `topic[partition]` names in a line (`partitions=[logs[0], logs[1]]`).
    static func partitionNames(in line: String) -> [String] {
        guard let start = line.range(of: "partitions=[") else { return [] }
        var names: [String] = []
        var current = ""
        for character in line[start.upperBound...] {
            if character == "," || character == " " { continue }
            current.append(character)
            if character == "]" {
                if current == "]" { break }
                names.append(current)
                current = ""
            }
        }
        return names
    }

    /// `logs[0]:316,logs[1]:287`
    static func offsets(_ text: String) -> [String: Int64] {
        var offsets: [String: Int64] = [:]
        for entry in text.split(separator: ",") {
            guard let colon = entry.lastIndex(of: ":"), let offset = Int64(entry[entry.index(after: colon)...]) else { continue }
            offsets[String(entry[..<colon])] = offset
        }
        return offsets
    }
}

/// The agent's resident memory, sampled each second.
struct RSSSamples: CustomStringConvertible {
    private let start = ContinuousClock.now
    private(set) var samples: [(seconds: Double, mebibytes: Double)] = []

    mutating func sample(_ agent: AgentProcess, for duration: Duration) async throws {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            if let kilobytes = Self.residentKilobytes(of: agent.processIdentifier) {
                let elapsed = (ContinuousClock.now - start).components
                samples.append((Double(elapsed.seconds), Double(kilobytes) / 1024))
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// `VmRSS` of /proc/PID/status.
    static func residentKilobytes(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    var peak: Double { samples.map(\.mebibytes).max() ?? 0 }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    var firstMinuteMedian: Double { median(samples.filter { $0.seconds < 60 }.map(\.mebibytes)) }
    var lastMinuteMedian: Double {
        let end = samples.last?.seconds ?? 0
        return median(samples.filter { $0.seconds >= end - 60 }.map(\.mebibytes))
    }

    var description: String {
        String(format: "rss_peak_mib=%.1f rss_first_minute_mib=%.1f rss_last_minute_mib=%.1f", peak, firstMinuteMedian, lastMinuteMedian)
    }
}
