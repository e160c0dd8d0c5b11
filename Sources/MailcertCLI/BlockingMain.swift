import ArgumentParser
import Dispatch
import Foundation
import MailcertCheck

extension Mailcert {
    /// Parses the command line and runs the command with the main thread blocked in a semaphore rather than parked in
    /// dispatch_main: it stays an ordinary thread, so a privilege drop (`serve --user`) reaches it like any other.
    public static func runBlocking() {
        let arguments = GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            guard let asynchronous = command as? any AsyncParsableCommand else {
                try command.run()
                return
            }
            let outcome = AsyncOutcome(asynchronous)
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                await outcome.run()
                done.signal()
            }
            done.wait()
            if let error = outcome.error { exit(withError: error) }
        } catch {
            // check is a monitoring plugin: its usage errors are UNKNOWN (3); 64 would read as an unknown code.
            guard arguments.first == CheckCommand.configuration.commandName, exitCode(for: error) == .validationFailure
            else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            exit(withError: ExitCode(CheckStatus.unknown.exitCode))
        }
    }
}

/// Carries an async command into the task that runs it and its error back; only one side touches it at a time.
private final class AsyncOutcome: @unchecked Sendable {
    private var command: any AsyncParsableCommand
    private(set) var error: (any Error)?

    init(_ command: any AsyncParsableCommand) { self.command = command }

    func run() async {
        do { try await command.run() } catch { self.error = error }
    }
}
