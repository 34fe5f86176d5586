import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Work that blocks (Kafka polls, a producer's waits), kept off the Swift cooperative pool.
package enum DedicatedThread {
    /// Runs `body` on a new thread and resumes when it returns.
    package static func run(name: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            do {
                try start(name: name) {
                    do {
                        try body()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Starts a detached POSIX thread with an 8 MiB stack running `body`; Foundation's `Thread`
    /// would link Foundation, and its ICU, into the agent (issue 27).
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 8 << 20)
        let context = Unmanaged.passRetained(ThreadBody(name: name, body: body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, &attributes, { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            #if os(Linux)
            // Glibc's module leaves out pthread_setname_np (a GNU extension); the kernel takes
            // the name, at most 15 bytes, from the thread's comm file.
            let file = open("/proc/thread-self/comm", O_WRONLY)
            if file >= 0 {
                let name = Array(body.name.utf8.prefix(15))
                _ = name.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
                close(file)
            }
            #else
            _ = pthread_setname_np(body.name)
            #endif
            body.body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw ThreadStartError(name: name, errno: result)
        }
    }

    /// Sleeps `duration` on the calling thread, waking every 50 ms at most to ask `shouldStop`;
    /// whether it slept the whole time (false: the stop came).
    package static func sleep(for duration: Duration, unless shouldStop: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if shouldStop() { return false }
            let left = (deadline - ContinuousClock.now).components
            let nanoseconds = left.seconds > 0 ? 50_000_000 : min(50_000_000, left.attoseconds / 1_000_000_000)
            var request = timespec(tv_sec: 0, tv_nsec: Int(max(0, nanoseconds)))
            nanosleep(&request, nil)
        }
        return !shouldStop()
    }

    /// Runs `body` on a new thread; graceful shutdown runs `onShutdown`, then sets the flag
    /// `body` polls, as cancellation does.
    package static func runUntilShutdown(
        name: String, onShutdown: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable (StopFlag) throws -> Void
    ) async throws {
        let stop = StopFlag()
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await run(name: name) { try body(stop) }
            } onCancel: {
                stop.set()
            }
        } onGracefulShutdown: {
            onShutdown()
            stop.set()
        }
    }
}

/// A flag set once, from any thread.
package final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    package init() {}
    package var isSet: Bool { flag.load(ordering: .relaxed) }
    package func set() { flag.store(true, ordering: .relaxed) }
}

/// A thread's name and body, handed to `pthread_create` as one retained pointer.
private final class ThreadBody: Sendable {
    let name: String
    let body: @Sendable () -> Void
    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// `pthread_create` refused (EAGAIN: the process is at its thread limit).
package struct ThreadStartError: Error, CustomStringConvertible {
    package let name: String
    package let errno: Int32
    package var description: String { "cannot start thread '\(name)': \(String(cString: strerror(errno)))" }
}
