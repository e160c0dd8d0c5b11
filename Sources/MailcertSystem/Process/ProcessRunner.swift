#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one program to its end or its timeout, keeping the tail of what it printed.
///
/// Blocking on purpose: hooks run one after another, and a caller on an async path runs this off the cooperative
/// pool. The child gets its own process group (`PosixSpawn`), so a timeout ends the hook and everything it started:
/// SIGTERM to the group, then SIGKILL to whatever is left after `killGrace`. A hook that exits on its own may leave
/// processes behind (a daemon it started); they are not touched.
public struct ProcessRunner: Sendable {
    public var timeout: Duration
    /// How long the group has between SIGTERM and SIGKILL.
    public var killGrace: Duration
    /// Bytes of output kept (the last ones).
    public var outputLimit: Int

    public init(timeout: Duration, killGrace: Duration = .seconds(2), outputLimit: Int = 64 * 1024) {
        self.timeout = timeout
        self.killGrace = killGrace
        self.outputLimit = outputLimit
    }

    /// Runs `executable` (an absolute path, executed directly) with exactly `environment`.
    public func run(_ executable: String, arguments: [String] = [], environment: [String: String]) -> ProcessResult {
        let clock = ContinuousClock()
        let started = clock.now
        let pipe: (read: Int32, write: Int32)
        do { pipe = try PosixSpawn.outputPipe() } catch {
            return ProcessResult(termination: .notStarted("\(error)"), duration: clock.now - started)
        }
        defer { close(pipe.read) }
        let pid: pid_t
        do {
            // Our copy of the write end goes as soon as the child has its own: end of file then means the child
            // (and whatever inherited its output) is done writing.
            defer { close(pipe.write) }
            pid = try PosixSpawn.start(
                executable, arguments: arguments, environment: environment, output: pipe.write, error: pipe.write,
                ownProcessGroup: true)
        } catch {
            // A hook's outcome already says it could not be started: the system's reason alone follows.
            let reason = error.step == .spawn ? error.reason : error.description
            return ProcessResult(termination: .notStarted(reason), duration: clock.now - started)
        }
        _ = fcntl(pipe.read, F_SETFL, fcntl(pipe.read, F_GETFL) | O_NONBLOCK)
        var child = Supervised(pid: pid, output: pipe.read, tail: OutputTail(limit: outputLimit))
        let termination = supervise(&child, deadline: started + timeout, clock: clock)
        child.drain()
        child.tail.trim()
        return ProcessResult(
            termination: termination, output: child.tail.bytes, discardedOutput: child.tail.discarded,
            duration: clock.now - started)
    }

    /// Collects output until the child exits or the deadline passes.
    private func supervise(
        _ child: inout Supervised, deadline: ContinuousClock.Instant, clock: ContinuousClock
    ) -> ProcessTermination {
        while true {
            if let ended = child.reap() { return ended }
            let left = deadline - clock.now
            guard left > .zero else { return terminateGroup(&child, clock: clock) }
            // Output and end of file wake the poll at once; the cap bounds how late an exit is noticed when a
            // grandchild keeps the pipe open after the hook itself has gone.
            child.waitForOutput(upTo: min(left, .milliseconds(50)))
        }
    }

    /// SIGTERM to the group, SIGKILL to what is left after the grace; always `.timedOut`.
    private func terminateGroup(_ child: inout Supervised, clock: ContinuousClock) -> ProcessTermination {
        kill(-child.pid, SIGTERM)
        let graceEnd = clock.now + killGrace
        while clock.now < graceEnd {
            // The leader stays unreaped until it has exited, so its PID (the group ID) cannot be reused meanwhile.
            if child.reap() != nil, kill(-child.pid, 0) == -1, errno == ESRCH { return .timedOut }
            child.waitForOutput(upTo: .milliseconds(20))
        }
        kill(-child.pid, SIGKILL)
        // A process stuck in the kernel (a dead NFS mount) may not die even now: give up on it rather than hang.
        let giveUp = clock.now + killGrace
        while child.reap() == nil && clock.now < giveUp { child.waitForOutput(upTo: .milliseconds(20)) }
        return .timedOut
    }
}

/// One running child: its PID, the read end of its output pipe, what it printed so far, and its end once reaped.
private struct Supervised {
    let pid: pid_t
    let output: Int32
    var tail: OutputTail
    private var open = true
    private var ended: ProcessTermination?

    init(pid: pid_t, output: Int32, tail: OutputTail) {
        self.pid = pid
        self.output = output
        self.tail = tail
    }

    /// The child's end if it has exited (reaping it), else nil; never blocks.
    mutating func reap() -> ProcessTermination? {
        if let ended { return ended }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result == -1 && errno == EINTR
        if result == -1 {
            ended = .unknown("its exit status was collected elsewhere (\(String(cString: strerror(errno))))")
        } else if result == pid {
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
            ended = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
        }
        return ended
    }

    /// Waits for output (or end of file) for at most `duration`, then reads what is there.
    mutating func waitForOutput(upTo duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Int32(clamping: max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        guard open else {
            usleep(UInt32(milliseconds) * 1000)
            return
        }
        var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, milliseconds) > 0 { drain() }
    }

    /// Reads everything available now without blocking; notes end of file.
    mutating func drain() {
        guard open else { return }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.withUnsafeBytes { tail.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            } else if count == -1 && errno == EINTR {
                continue
            } else {
                // 0: every writer is gone; EAGAIN: nothing more for now; anything else: stop reading.
                if !(count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) { open = false }
                return
            }
        }
    }
}
