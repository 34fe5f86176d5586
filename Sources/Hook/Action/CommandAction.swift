import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs the hook's command for one event, once.
///
/// The command is started with `posix_spawn`, not Foundation's `Process`: the hook's threads
/// block every signal and ignore SIGPIPE and SIGTERM, and a child inherits both. The command
/// gets an empty signal mask and default dispositions, in a process group of its own, so a
/// timeout or shutdown can stop it and whatever it started.
struct CommandAction {
    let arguments: [String]
    let environment: [String: String]

    /// - Parameters:
    ///   - shouldStop: polled while the command runs; when it turns true the command's group
    ///     gets SIGTERM, then SIGKILL 10 s later, and the attempt is interrupted.
    func perform(_ event: RetrainingEvent, attempt: Int, timeout: Duration, shouldStop: () -> Bool) -> ActionResult {
        guard let executable = Self.resolve(arguments[0], path: environment["PATH"]) else {
            return .failed("\(arguments[0]): no such executable")
        }
        // The event goes in through a file, not a pipe: a command that never reads stdin
        // cannot block the hook.
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("driftwatch-event-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try Data(event.json).write(to: input)
        } catch {
            return .failed("cannot write the event for the command: \(error)")
        }
        var variables = environment
        for (name, value) in event.environment { variables[name] = value }
        variables["DRIFTWATCH_ATTEMPT"] = String(attempt)
        let (pid, error) = Self.spawn(executable, arguments: arguments, environment: variables, stdin: input.path)
        guard error == 0 else { return .failed("\(executable) did not start: \(String(cString: strerror(error)))") }

        let deadline = ContinuousClock.now + timeout
        var stopping: ContinuousClock.Instant?
        var timedOut = false
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            let now = ContinuousClock.now
            if stopping == nil && (shouldStop() || now >= deadline) {
                timedOut = now >= deadline
                kill(-pid, SIGTERM)
                stopping = now
            } else if let since = stopping, now - since > .seconds(10) {
                kill(-pid, SIGKILL)
            }
            usleep(20_000)
        }
        if stopping != nil {
            return timedOut ? .failed("timed out after \(timeout)") : .interrupted
        }
        let signal = status & 0x7f
        let code = (status >> 8) & 0xff
        if signal != 0 { return .failed("killed by signal \(signal)") }
        return code == 0 ? .succeeded : .failed("exit status \(code)")
    }

    /// Starts `executable` with stdin from the file at `stdin`, an empty signal mask, default
    /// signal dispositions and its own process group.
    /// - Returns: the child's pid, and 0 or the `errno` of the failure.
    static func spawn(_ executable: String, arguments: [String], environment: [String: String], stdin: String) -> (pid: pid_t, error: Int32) {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        // Nothing but standard input, output and error: the command must not hold the hook's
        // sockets (its metrics connections, Kafka's) open past their close.
        _ = Self.closeFrom?(&actions, 3)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        return (pid, result)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare; nil where the C library lacks it.
    static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// The program's path: as given when it names a directory, else the first match in `PATH`.
    static func resolve(_ name: String, path: String?) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
