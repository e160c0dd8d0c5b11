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

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("mailcert: warning: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("mailcert: \(message)\n".utf8))
    }

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Pretty, key-sorted JSON with ISO 8601 dates: the stable form scripts read.
    static func printJSON<T: Encodable>(_ value: T) throws {
        print(String(decoding: try StoreJSON.encoder().encode(value), as: UTF8.self))
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("mailcert: error: \(message)\n".utf8))
    }
}

extension Reporter {
    /// Notes and warnings on standard error, as every command prints them.
    static let stderr = Reporter(note: { Output.note($0) }, warn: { Output.warn($0) })
}

extension DeployAndProve {
    /// The real edges: reload hooks and postconf run as processes (each with two minutes), proofs over the wire,
    /// EHLO with this host's name.
    static var live: DeployAndProve {
        DeployAndProve(
            runner: ProcessRunner(timeout: .seconds(120)), probe: LiveServiceProbe(), ehloName: LocalHostName.value)
    }
}
