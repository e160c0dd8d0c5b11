#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CMailcertShims

/// Starts a child with posix_spawn: the one place mailcert (and its tests) set up a child. Standard input is the given
/// descriptor or /dev/null, standard output and error go where the caller says, no other descriptor is inherited,
/// the signal state is clean, and on request the child leads a process group of its own, so a timeout can end
/// everything it started.
///
/// Not Foundation's `Process`: under concurrency it waited forever on children that had already become zombies,
/// and it cannot put the child in its own process group.
public enum PosixSpawn {
    /// Starts `executable` and returns its PID (also its process group ID with `ownProcessGroup`). The program is
    /// the file itself (no shell); `searchPath` looks a bare name up on PATH, as a test's `openssl` wants.
    public static func start(
        _ executable: String, arguments: [String], environment: [String: String], input: Int32? = nil,
        output: Int32, error: Int32, searchPath: Bool = false, ownProcessGroup: Bool = false
    ) throws(SpawnError) -> pid_t {
        let argv = [executable] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if let bad = (argv + envp).first(where: { $0.utf8.contains(0) }) {
            throw SpawnError(executable, .arguments, "'\(bad)' contains a NUL byte")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A descriptor another thread opened without O_CLOEXEC (a listener socket, a pipe to another child) must not
        // outlive us in the child, or a reader elsewhere would never see end of file.
        let prepared = [
            input.map { posix_spawn_file_actions_adddup2(&actions, $0, 0) }
                ?? posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0),
            posix_spawn_file_actions_adddup2(&actions, output, 1),
            posix_spawn_file_actions_adddup2(&actions, error, 2),
            mc_posix_spawn_file_actions_addclosefrom(&actions, 3),
        ]
        if let failure = prepared.first(where: { $0 != 0 }) {
            throw SpawnError(executable, .streams, reason(failure))
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // What this thread blocks or ignores (a daemon blocking SIGHUP, SIGPIPE ignored) is not the child's business.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var child: pid_t = 0
        var result: Int32 = 0
        // ETXTBSY: the file was just written, and a child another thread is spawning still holds a copy of the
        // writer's descriptor until its exec closes it. That passes within milliseconds; retry briefly (as Go does).
        for attempt in 0..<20 {
            result = withCStrings(argv) { argvPointers in
                withCStrings(envp) { envPointers in
                    searchPath
                        ? posix_spawnp(&child, executable, &actions, &attributes, argvPointers, envPointers)
                        : posix_spawn(&child, executable, &actions, &attributes, argvPointers, envPointers)
                }
            }
            guard result == ETXTBSY else { break }
            usleep(useconds_t(1000 << min(attempt, 6)))
        }
        guard result == 0 else { throw SpawnError(executable, .spawn, reason(result)) }
        return child
    }

    /// A pipe for a child's output, both ends close-on-exec from birth: another thread spawning at the same
    /// moment must not carry our write end into its child, or we would wait for an end of file that never comes.
    public static func outputPipe() throws(SpawnError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard mc_pipe2(&ends, O_CLOEXEC) == 0 else {
            throw SpawnError("", .pipe, String(cString: strerror(errno)))
        }
        return (ends[0], ends[1])
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOEXEC: return "not a program the kernel can run (a script needs a #! line)"
        default: return String(cString: strerror(code))
        }
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
