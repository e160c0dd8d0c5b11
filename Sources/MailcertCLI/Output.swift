import ArgumentParser
import Foundation
import MailcertSystem
import MailcertCore
import MailcertCrypto

/// How commands speak: data on stdout, diagnostics on stderr prefixed "mailcert:", errors turned into exit 1.
enum Output {
    /// Runs a command body; a mailcert or crypto error is printed as one diagnostic and becomes exit status 1.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do { try body() } catch { throw reported(error) }
    }

    /// The async form, for commands that talk to a CA.
    static func reportingErrors(_ body: () async throws -> Void) async throws {
        do { try await body() } catch { throw reported(error) }
    }

    /// A mailcert or crypto error printed, and exit status 1 in its place; any other error as it is.
    private static func reported(_ error: Error) -> Error {
        guard error is MailcertError || error is CryptoError else { return error }
        printError("\(error)")
        return ExitCode.failure
    }

    /// Journal priority prefixes when systemd made standard error the journal.
    static let format = DiagnosticFormat(journal: GlobalOptions.stderrIsJournal)

    static func warn(_ message: String) { diagnose("mailcert: warning: \(message)", .warning) }

    static func note(_ message: String) { diagnose("mailcert: \(message)", .notice) }

    private static func diagnose(_ text: String, _ priority: DiagnosticFormat.Priority) {
        FileHandle.standardError.write(Data(format.lines(text, priority: priority).utf8))
    }

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Pretty, key-sorted JSON with ISO 8601 dates: the stable form scripts read.
    static func printJSON<T: Encodable>(_ value: T) throws {
        print(String(decoding: try StoreJSON.encoder().encode(value), as: UTF8.self))
    }

    static func printError(_ message: String) { diagnose("mailcert: error: \(message)", .error) }
}

extension Reporter {
    /// Notes and warnings on standard error, as every command prints them.
    static let stderr = Reporter(note: { Output.note($0) }, warn: { Output.warn($0) })
}
