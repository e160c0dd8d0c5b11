import Foundation
import MailcertSystem

/// dns-01 through an administrator's program: `CMD add <record-name> <value>` and `CMD del <record-name> <value>`,
/// run directly (argv, never through a shell). The program returns when the record is published.
///
/// The program leads a process group of its own, so a timeout stops it and whatever it started (curl, sleep);
/// its output is read while it runs, so a chatty program never blocks on a full pipe. Withdrawing a record (`del`)
/// runs to completion even when the order was cancelled, so no TXT record is left behind.
public struct DNS01HookSolver: ChallengeSolver {
    public let command: String
    public let timeout: Duration
    public var challengeType: String { "dns-01" }

    public init(command: String, timeout: Duration = .seconds(300)) {
        self.command = command
        self.timeout = timeout
    }

    public func present(_ task: ChallengeTask) async throws {
        try await HookProcess(command: command, arguments: ["add", task.dnsRecordName, task.dnsValue], timeout: timeout)
            .run(purpose: "publish \(task.dnsRecordName) for \(task.hostname)")
    }

    public func cleanUp(_ task: ChallengeTask) async {
        let hook = HookProcess(command: command, arguments: ["del", task.dnsRecordName, task.dnsValue], timeout: timeout)
        // Not a child of the (possibly cancelled) order task: the record must go whatever happened.
        _ = await Task.detached { try? await hook.run(purpose: "delete \(task.dnsRecordName)") }.value
    }
}

/// One run of an external program with a deadline, killed with its whole process group when it overstays.
///
/// Run by MailcertSystem's `ProcessRunner`, as hooks are: argv only, standard input /dev/null, output and error
/// read while it runs (the last 4 KiB kept), its own process group ended by SIGTERM then SIGKILL on timeout.
/// Unlike a deploy hook, it inherits mailcert's environment: that is where a DNS API token is given to it.
struct HookProcess: Sendable {
    let command: String
    let arguments: [String]
    let timeout: Duration

    func run(purpose: String) async throws {
        let label = "the dns-01 hook \(command) \(arguments.first ?? "")"
        let runner = ProcessRunner(timeout: timeout, killGrace: .seconds(2), outputLimit: 4096)
        let (command, arguments) = (command, arguments)
        let environment = ProcessInfo.processInfo.environment
        let result = await Self.onOwnThread {
            runner.run(command, arguments: arguments, environment: environment)
        }
        let text = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let status: Int32
        switch result.termination {
        case .exited(0):
            return
        case .exited(let code), .signaled(let code):
            status = code
        case .timedOut:
            let why =
                Task.isCancelled
                ? "was stopped because the order was cancelled" : "did not finish within \(timeout); it was stopped"
            throw ACMEError(.solver, "\(label) \(why) while trying to \(purpose)")
        case .notStarted(let reason), .unknown(let reason):
            throw ACMEError(.solver, "cannot run \(label) to \(purpose): \(reason)")
        }
        throw ACMEError(
            .solver, "\(label) failed with status \(status) trying to \(purpose)" + (text.isEmpty ? "" : ": \(text)"))
    }

    /// Runs the blocking `work` on a thread of its own: the hook may take minutes, and the cooperative pool has one
    /// thread per core.
    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
