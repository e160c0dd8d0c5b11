/// Why `PosixSpawn` could not start a child: which step failed, and the system's reason.
public struct SpawnError: Error, CustomStringConvertible {
    public enum Step: Sendable {
        /// An argument or environment entry holds a NUL byte, which a C string cannot carry.
        case arguments
        /// The output pipe could not be created.
        case pipe
        /// The child's standard streams could not be set up.
        case streams
        /// posix_spawn itself failed: no such file, not executable, bad interpreter line, ...
        case spawn
    }

    public let executable: String
    public let step: Step
    /// The system's words alone ("No such file or directory").
    public let reason: String

    init(_ executable: String, _ step: Step, _ reason: String) {
        self.executable = executable
        self.step = step
        self.reason = reason
    }

    public var description: String {
        switch step {
        case .arguments, .spawn: return "cannot start \(executable): \(reason)"
        case .pipe: return "cannot create an output pipe: \(reason)"
        case .streams: return "cannot prepare the standard streams of \(executable): \(reason)"
        }
    }
}
