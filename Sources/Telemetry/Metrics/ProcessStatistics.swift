#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Prometheus
import Synchronization

/// The standard `process_*` series (resident memory, CPU time, open descriptors, start time),
/// read from /proc when scraped, as the Go and Python clients export them.
package final class ProcessStatistics: Sendable {
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let openDescriptors: Gauge
    private let startTime: Gauge
    private let cpu: Counter
    /// CPU seconds already added to the counter (a Counter only moves up, by deltas).
    private let cpuReported = Mutex<Double>(0)
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    package init(registry: PrometheusCollectorRegistry) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help)
        }
        residentMemory = registry.makeGauge(descriptor: descriptor("resident_memory", "bytes", "Resident memory size."))
        virtualMemory = registry.makeGauge(descriptor: descriptor("virtual_memory", "bytes", "Virtual memory size."))
        openDescriptors = registry.makeGauge(descriptor: descriptor("open_fds", "", "Open file descriptors."))
        startTime = registry.makeGauge(descriptor: descriptor("start_time", "seconds", "Start time of the process since the Unix epoch."))
        cpu = registry.makeCounter(descriptor: descriptor("cpu_seconds_total", "", "User and system CPU time spent."))
        update()
    }

    /// Reads /proc/self/stat; leaves the series as they were where /proc is not there.
    package func update() {
        guard let stat = Self.contents(of: "/proc/self/stat"),
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            let close = stat.lastIndex(of: UInt8(ascii: ")"))
        else { return }
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " ")).map { Double(String(decoding: $0, as: UTF8.self)) ?? 0 }
        // fields[0] is field 3 of proc(5): utime is field 14, stime 15, starttime 22, vsize 23, rss 24.
        guard fields.count > 21 else { return }
        let cpuSeconds = (fields[11] + fields[12]) / ticksPerSecond
        cpuReported.withLock { reported in
            if cpuSeconds > reported {
                cpu.increment(by: cpuSeconds - reported)
                reported = cpuSeconds
            }
        }
        virtualMemory.set(fields[20])
        residentMemory.set(fields[21] * pageSize)
        if let boot = Self.bootTime() { startTime.set(boot + fields[19] / ticksPerSecond) }
        openDescriptors.set(Double(Self.countDescriptors()))
    }

    private static func bootTime() -> Double? {
        guard let stat = contents(of: "/proc/stat") else { return nil }
        for line in stat.split(separator: UInt8(ascii: "\n")) where line.starts(with: "btime ".utf8) {
            return Double(String(decoding: line.dropFirst(6), as: UTF8.self))
        }
        return nil
    }

    private static func countDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return max(0, count - 3)  // ".", ".." and the descriptor opendir itself holds
    }

    /// The process's peak resident memory so far (`VmHWM` of /proc/self/status), in bytes; nil
    /// without /proc. Counted from this program's start: a parent's size does not floor it, as
    /// it floors the `ru_maxrss` a parent reads when a big process such as Python forked it.
    package static func peakResidentBytes() -> Int? {
        guard let status = contents(of: "/proc/self/status") else { return nil }
        for line in status.split(separator: UInt8(ascii: "\n")) where line.starts(with: "VmHWM:".utf8) {
            let digits = line.drop { !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            guard let kilobytes = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// A small /proc file, read whole (their size reads as 0, so no stat first).
    private static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
