import Foundation
import MailcertSystem

/// What happened to one file of a hook directory: skipped (with why) or run (with how it ended and what it printed).
///
/// The runner never decides what a failure means; the caller does (a failed deploy hook makes the deploy fail, a
/// failed post hook is reported and nothing more), so every hook's outcome is kept, in order.
public struct HookOutcome: Sendable {
    public enum Status: Equatable, Sendable {
        /// Not run: the note says why (not executable, a backup file, ...).
        case skipped(String)
        /// Run (or tried): how it ended.
        case finished(ProcessTermination)
    }

    public var stage: HookStage
    public var file: URL
    public var status: Status
    /// The end of its standard output and error; empty when skipped.
    public var output: String
    public var duration: Duration

    public init(stage: HookStage, file: URL, status: Status, output: String = "", duration: Duration = .zero) {
        self.stage = stage
        self.file = file
        self.status = status
        self.output = output
        self.duration = duration
    }

    /// True when the hook ran and did not exit 0 (including a timeout or a failure to start); a skip is not one.
    public var failed: Bool {
        if case .finished(let termination) = status { return !termination.succeeded }
        return false
    }

    public var timedOut: Bool { status == .finished(.timedOut) }

    /// One line for the log, naming the file, what happened, and what happens next.
    public var message: String {
        let hook = "\(stage.rawValue) hook \(file.path)"
        let took = Self.seconds(duration)
        switch status {
        case .skipped(let reason):
            return "\(hook) skipped: \(reason)"
        case .finished(.exited(0)):
            return "\(hook) succeeded (\(took))"
        case .finished(let termination):
            return "\(hook) \(Self.describe(termination)) (\(took)); the other \(stage.rawValue) hooks still run"
                + (lastLine.map { "; its last output: \($0)" } ?? "")
        }
    }

    private var lastLine: String? {
        output.split(whereSeparator: \.isNewline).last.map { String($0.prefix(300)) }
    }

    static func describe(_ termination: ProcessTermination) -> String {
        switch termination {
        case .exited(let status): return "failed with exit status \(status)"
        case .signaled(let signal): return "was killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        case .timedOut: return "did not finish in time and was stopped with everything it started"
        case .notStarted(let reason): return "could not be started: \(reason)"
        case .unknown(let reason): return "ended unobserved: \(reason)"
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1f s", value)
    }
}
