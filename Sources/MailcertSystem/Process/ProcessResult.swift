/// How a child process ended, as `ProcessRunner` saw it.
public enum ProcessTermination: Equatable, Sendable {
    /// It exited on its own with this status.
    case exited(Int32)
    /// A signal it did not handle ended it (not one sent by the runner's timeout).
    case signaled(Int32)
    /// It outlived its timeout; the runner ended its whole process group (SIGTERM, then SIGKILL).
    case timedOut
    /// It never ran: the reason (no such file, not executable, bad interpreter line, ...).
    case notStarted(String)
    /// Its exit status was collected by someone else in this process; the reason.
    case unknown(String)

    /// True only for a clean exit with status 0.
    public var succeeded: Bool { self == .exited(0) }
}

/// What one run of a child process produced.
public struct ProcessResult: Sendable {
    public var termination: ProcessTermination
    /// The end of its standard output and standard error, interleaved as written, at most the runner's limit.
    public var output: [UInt8]
    /// Bytes of output dropped from the front to keep `output` within the limit.
    public var discardedOutput: Int
    /// From start to end (or to giving up on it).
    public var duration: Duration

    public init(termination: ProcessTermination, output: [UInt8] = [], discardedOutput: Int = 0, duration: Duration) {
        self.termination = termination
        self.output = output
        self.discardedOutput = discardedOutput
        self.duration = duration
    }

    /// The output as text (invalid UTF-8 replaced), with a marker when its beginning was dropped.
    public var outputText: String {
        let text = String(decoding: output, as: UTF8.self)
        return discardedOutput > 0 ? "[\(discardedOutput) earlier bytes dropped]\n" + text : text
    }
}
