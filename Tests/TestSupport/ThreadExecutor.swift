import Foundation

/// Runs jobs on one thread of its own, in order. On 2 cores the cooperative pool has two
/// threads: a test that blocks one (a debug-built profile, a Python oracle, curl) can keep
/// another test's server from binding or answering. Servers under test run on ``servers``,
/// long synchronous test work on ``blocking``, each off the pool. (Unchecked: the job list is
/// guarded by the condition's lock.)
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// For servers started by tests (the HTTP server, the injector).
    public static let servers = ThreadExecutor(name: "test-servers")
    /// For tests' long synchronous work: `withTaskExecutorPreference(ThreadExecutor.blocking) { ... }`.
    public static let blocking = ThreadExecutor(name: "test-blocking")

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(name: String) {
        let thread = Thread { [unowned self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
