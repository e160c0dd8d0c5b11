import Foundation

/// A child process started with posix_spawn and reaped with waitpid on its own PID.
///
/// Tests start many children at once from many threads; this keeps each one's start and end independent of any
/// shared machinery, and gives every child a clean signal state (nothing blocked, default handlers), whatever
/// the mask of the test thread that started it.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`; the child's standard streams are
    /// the given descriptors (standard input /dev/null when nil).
    init(
        _ executable: String, _ arguments: [String], environment: [String: String], stdin: Int32?, stdout: Int32,
        stderr: Int32
    ) throws {
        Self.ignoreBrokenPipes
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let input =
            stdin.map { posix_spawn_file_actions_adddup2(&actions, $0, 0) }
            ?? posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Nothing else leaks into the child: a pipe end held by a long-running server started at the same moment
        // by another test would keep that test's read from ever seeing end of file.
        let results = [
            input, posix_spawn_file_actions_adddup2(&actions, stdout, 1),
            posix_spawn_file_actions_adddup2(&actions, stderr, 2), closeFrom(&actions, 3),
        ]
        guard results.allSatisfy({ $0 == 0 }) else {
            throw TestSupportError("cannot prepare the standard streams of \(executable): \(results)")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let result = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawnp(&child, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard result == 0 else {
            throw TestSupportError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// A child that exits before reading all its input must not kill the test process with SIGPIPE.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// True until the child has exited (and is reaped).
    var isRunning: Bool {
        lock.withLock {
            guard status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
            return status == nil
        }
    }

    /// Waits for the child to exit; its exit status (128 + signal when killed by one).
    @discardableResult
    func wait() -> Int32 {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
                status = raw
            }
            let raw = status ?? 0
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
            return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        }
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which the Swift Glibc module does not import.
private let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
        fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
    }
    return unsafeBitCast(
        symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()

/// Calls `body` with a NULL-terminated C array of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
