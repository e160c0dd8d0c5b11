#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Starts a child with posix_spawn, the way hooks must start: the file itself (no shell, no PATH search), standard
/// input /dev/null, standard output and error into one descriptor, no other descriptor inherited, a clean signal
/// state, and a process group of its own so a timeout can end everything it started.
///
/// Not Foundation's `Process`: under concurrency it waited forever on children that had already become zombies,
/// and it cannot put the child in its own process group.
enum PosixSpawn {
    /// Starts `executable` (an absolute path) and returns its PID, which is also its process group ID.
    static func start(
        _ executable: String, arguments: [String], environment: [String: String], output: Int32
    ) throws -> pid_t {
        let argv = [executable] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if let bad = (argv + envp).first(where: { $0.utf8.contains(0) }) {
            throw MailcertError(.badInput, "cannot start \(executable): '\(bad)' contains a NUL byte")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // A descriptor another thread opened without O_CLOEXEC (a listener socket, a pipe to another child) must not
        // outlive us in a hook, or a reader elsewhere would never see end of file.
        let prepared = [
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0),
            posix_spawn_file_actions_adddup2(&actions, output, 1),
            posix_spawn_file_actions_adddup2(&actions, output, 2),
            closeFrom(&actions, 3),
        ]
        if let failure = prepared.first(where: { $0 != 0 }) {
            throw MailcertError(.io, "cannot prepare the standard streams of \(executable): \(reason(failure))")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // What this thread blocks or ignores (a daemon blocking SIGHUP, SIGPIPE ignored) is not the hook's business.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var child: pid_t = 0
        let result = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&child, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard result == 0 else { throw MailcertError(.io, reason(result)) }
        return child
    }

    /// A pipe for the child's output, both ends close-on-exec from birth: another thread spawning at the same
    /// moment must not carry our write end into its child, or we would wait for an end of file that never comes.
    static func outputPipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipeWithFlags(&ends, O_CLOEXEC) == 0 else {
            throw MailcertError(.io, "cannot create an output pipe: \(String(cString: strerror(errno)))")
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

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which the Swift Glibc module does not import.
private let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
        fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
    }
    return unsafeBitCast(
        symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
}()

/// glibc's pipe2, which the Swift Glibc module does not import (it is behind _GNU_SOURCE).
private let pipeWithFlags: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32 = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else {
        fatalError("the C library has no pipe2")
    }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)
}()

/// Calls `body` with a NULL-terminated C array of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
