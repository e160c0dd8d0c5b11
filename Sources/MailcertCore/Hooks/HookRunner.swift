import Foundation
import MailcertSystem

/// Runs the hooks of one stage: every executable in `STATE/hooks/<stage>/` and `/etc/mailcert/hooks/<stage>/`, one
/// after another in byte order of their names (both directories sorted together, as if one, so `10-stop` in /etc
/// runs before `20-reload` in STATE; on equal names STATE's first), each with a timeout and the `MAILCERT_*`
/// environment. /etc is where configuration management and packages put hooks; STATE is the store's own.
///
/// Shaped after certbot's renewal-hook directories (sorted, non-executables and `~` files skipped with a note) and
/// lego's hook launcher (named environment constants, a timeout). Unlike both, a hook is executed directly, never
/// through a shell, with nothing of mailcert's environment but what `HookEnvironment` holds, and a timeout ends the
/// hook's whole process group, not only the hook. A failing hook does not stop the ones after it: a broken Dovecot
/// reload must not keep Postfix on the old certificate.
public struct HookRunner: Sendable {
    /// STATE/hooks: the stage directories live below it.
    public let directory: URL
    /// /etc/mailcert/hooks (the CLI passes it), with stage directories of its own; nil: STATE/hooks only.
    public let systemDirectory: URL?
    /// How long each hook may run.
    public var timeout: Duration
    /// Between SIGTERM and SIGKILL when a hook times out.
    public var killGrace: Duration
    /// Bytes of each hook's output kept (the last ones).
    public var outputLimit: Int

    public init(
        directory: URL, systemDirectory: URL? = nil, timeout: Duration, killGrace: Duration = .seconds(2),
        outputLimit: Int = 64 * 1024
    ) {
        self.directory = directory
        self.systemDirectory = systemDirectory
        self.timeout = timeout
        self.killGrace = killGrace
        self.outputLimit = outputLimit
    }

    public func stageDirectory(_ stage: HookStage) -> URL {
        directory.appendingPathComponent(stage.rawValue, isDirectory: true)
    }

    /// The stage's directories: STATE's, then /etc's when there is one.
    public func stageDirectories(_ stage: HookStage) -> [URL] {
        [directory, systemDirectory].compactMap { $0?.appendingPathComponent(stage.rawValue, isDirectory: true) }
    }

    /// Runs the stage's hooks in order and returns one outcome per directory entry (skips included), reporting each
    /// through `progress` as it ends. A missing stage directory means no hooks; one that cannot be listed is one
    /// failed outcome naming it, and no hook of the stage runs (a half-run stage would be harder to reason about).
    public func run(
        _ stage: HookStage, environment: HookEnvironment, progress: (String) -> Void = { _ in }
    ) -> [HookOutcome] {
        var entries: [HookDirectory.Entry] = []
        for folder in stageDirectories(stage) {
            do { entries += try HookDirectory.entries(of: folder) } catch {
                let outcome = HookOutcome(
                    stage: stage, file: folder,
                    status: .finished(.notStarted("\(error); no \(stage.rawValue) hook ran")))
                progress(outcome.message)
                return [outcome]
            }
        }
        // Stable: on equal names the earlier directory's (STATE) stays first.
        entries = entries.enumerated().sorted { a, b in
            let (x, y) = (Array(a.element.file.lastPathComponent.utf8), Array(b.element.file.lastPathComponent.utf8))
            return x == y ? a.offset < b.offset : x.lexicographicallyPrecedes(y)
        }.map(\.element)
        let runner = ProcessRunner(timeout: timeout, killGrace: killGrace, outputLimit: outputLimit)
        let variables = environment.variables
        return entries.map { entry in
            let outcome = run(entry, stage: stage, runner: runner, variables: variables)
            progress(outcome.message)
            return outcome
        }
    }

    private func run(
        _ entry: HookDirectory.Entry, stage: HookStage, runner: ProcessRunner, variables: [String: String]
    ) -> HookOutcome {
        if let reason = entry.skipReason {
            return HookOutcome(stage: stage, file: entry.file, status: .skipped(reason))
        }
        let result = runner.run(entry.file.path, environment: variables)
        return HookOutcome(
            stage: stage, file: entry.file, status: .finished(result.termination), output: result.outputText,
            duration: result.duration)
    }
}
