import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process of a test (the `driftwatch` executable, Prometheus, a Python server),
/// started with `posix_spawn`, no descriptor but its standard input, output and error, no
/// blocked signal and default dispositions.
///
/// Foundation's `Process` lets a child inherit every descriptor that is not close-on-exec, and
/// NIO's accepted sockets are not: a long-lived child then holds other tests' connections
/// open after their server closed them, and their reads never see the end.
public final class SpawnedProcess: Sendable {
    /// Where the child's standard output or error goes.
    public enum Destination: Sendable {
        case inherit, null, pipe
    }

    public let processIdentifier: pid_t
    /// The reading end of standard error, when it goes to a pipe.
    public let standardError: FileHandle?
    private let ended = Mutex<Int32?>(nil)

    /// - Parameter environment: variables set for the child over the test's own.
    public init(
        _ executable: String, _ arguments: [String], output: Destination = .inherit, error: Destination = .inherit,
        environment: [String: String] = [:]
    ) throws {
        var pipe: [Int32] = [-1, -1]
        if error == .pipe, Glibc.pipe(&pipe) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        processIdentifier = try Self.spawn(executable, arguments, environment: environment) { actions in
            if output == .null { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
            switch error {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            case .pipe: posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
            }
        }
        if error == .pipe {
            close(pipe[1])
            standardError = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true)
        } else {
            standardError = nil
        }
    }

    /// Starts `executable` (a path, or a name looked up in PATH) with the file actions `setUp`
    /// adds, then every descriptor from 3 up closed; returns its pid.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], _ setUp: (inout posix_spawn_file_actions_t) -> Void
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        setUp(&actions)
        _ = closeFrom?(&actions, 3)
        // No blocked signal and default dispositions, whatever the test's thread has.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { $1 }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Whether the child still runs (a child that ended is reaped).
    public var isRunning: Bool {
        ended.withLock { ended in
            if ended != nil { return false }
            var status: Int32 = 0
            guard waitpid(processIdentifier, &status, WNOHANG) == processIdentifier else { return true }
            ended = Self.exitStatus(status)
            return false
        }
    }

    /// The exit status, or 128 + the signal that ended it, as shells report it; waits for the end.
    public var terminationStatus: Int32 { waitUntilExit() }

    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = ended.withLock({ $0 }) { return status }
            var status: Int32 = 0
            let result = waitpid(processIdentifier, &status, 0)
            if result == processIdentifier {
                return ended.withLock { ended in
                    ended = Self.exitStatus(status)
                    return Self.exitStatus(status)
                }
            }
            // EINTR: again; ECHILD: another thread reaped it, and `ended` says how it went.
            if result < 0 && errno == ECHILD { usleep(1_000) }
        }
    }

    /// Sends `signal`, unless the child has been reaped (its pid may be another process's now).
    public func send(_ signal: Int32) {
        ended.withLock { ended in
            if ended == nil { _ = Glibc.kill(processIdentifier, signal) }
        }
    }

    /// SIGTERM.
    public func terminate() { send(SIGTERM) }

    /// A `waitpid` status as shells report it: the exit status, or 128 + the signal.
    static func exitStatus(_ status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
