import Foundation
import MailcertSystem

/// A child process started with MailcertSystem's `PosixSpawn` (as hooks are) and reaped with waitpid on its own PID.
///
/// Tests start many children at once from many threads; this keeps each one's start and end independent of any
/// shared machinery, and gives every child a clean signal state (nothing blocked, default handlers), whatever
/// the mask of the test thread that started it. Unlike `ProcessRunner`, it leaves the child running: long-lived
/// servers are stopped by PID later.
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
        do {
            pid = try PosixSpawn.start(
                executable, arguments: arguments, environment: environment, input: stdin, output: stdout,
                error: stderr, searchPath: true)
        } catch {
            throw TestSupportError(error.description)
        }
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
