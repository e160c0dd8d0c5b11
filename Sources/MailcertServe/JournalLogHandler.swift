import Foundation
import Logging
import MailcertSystem

/// The listener's log lines when standard error is the journal: `StreamLogHandler`'s format without its timestamp
/// (the journal stamps every entry itself) and with the sd-daemon priority prefix, so `journalctl -p` filters work.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(explicit ?? [:]) { $1 }
        let pretty = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let text = "\(level) \(label):\(pretty) [\(source)] \(message)"
        let format = DiagnosticFormat(journal: true)
        FileHandle.standardError.write(Data(format.lines(text, priority: Self.priority(level)).utf8))
    }

    /// swift-log's levels as syslog priorities: critical has no worse neighbour worth a page of its own here.
    static func priority(_ level: Logger.Level) -> DiagnosticFormat.Priority {
        switch level {
        case .critical, .error: .error
        case .warning: .warning
        case .notice: .notice
        case .info: .info
        case .debug, .trace: .debug
        }
    }

    /// The handler for `serve`: this one when standard error is the journal, else swift-log's stream handler, as
    /// before (a terminal or a file wants the timestamp).
    public static func serveHandler(label: String, level: Logger.Level, journal: Bool) -> any LogHandler {
        var handler: any LogHandler =
            journal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
