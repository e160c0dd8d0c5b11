/// How a diagnostic line reaches standard error: as is on a terminal or in a file, or, when standard error is the
/// journal (systemd sets `JOURNAL_STREAM` for a unit's output; the CLI reads it), with the sd-daemon priority
/// prefix `<N>` on every line, so `journalctl -p warning` finds warnings and errors are colored as errors.
public struct DiagnosticFormat: Sendable, Equatable {
    /// syslog priorities as sd-daemon(3) numbers them.
    public enum Priority: Int, Sendable {
        case error = 3
        case warning = 4
        case notice = 5
        case info = 6
        case debug = 7
    }

    /// True when standard error is the journal.
    public var journal: Bool

    public init(journal: Bool) { self.journal = journal }

    /// `text` ready to write, ending in a newline; in the journal every line of it carries the prefix (the journal
    /// splits at newlines and would give a bare continuation line the default priority).
    public func lines(_ text: String, priority: Priority) -> String {
        guard journal else { return text + "\n" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { "<\(priority.rawValue)>\($0)\n" }
            .joined()
    }
}
