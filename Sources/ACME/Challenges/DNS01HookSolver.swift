import Foundation

/// dns-01 through an administrator's program: `CMD add <record-name> <value>` and `CMD del <record-name> <value>`,
/// run directly (argv, never through a shell). The program returns when the record is published.
public struct DNS01HookSolver: ChallengeSolver {
    public let command: String
    public let timeout: Duration
    public var challengeType: String { "dns-01" }

    public init(command: String, timeout: Duration = .seconds(300)) {
        self.command = command
        self.timeout = timeout
    }

    public func present(_ task: ChallengeTask) async throws {
        try await run("add", task)
    }

    public func cleanUp(_ task: ChallengeTask) async {
        try? await run("del", task)
    }

    private func run(_ verb: String, _ task: ChallengeTask) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = [verb, task.dnsRecordName, task.dnsValue]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ACMEError(.solver, "cannot run the dns-01 hook \(command) for \(task.hostname): \(error.localizedDescription)")
        }
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().async {
                        process.waitUntilExit()
                        continuation.resume()
                    }
                }
                return true
            }
            group.addTask { [timeout] in
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first { process.terminate() }
            group.cancelAll()
            return first
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard finished else {
            throw ACMEError(.solver, "the dns-01 hook \(command) \(verb) \(task.dnsRecordName) did not finish within \(timeout); it was stopped")
        }
        guard process.terminationStatus == 0 else {
            throw ACMEError(
                .solver,
                "the dns-01 hook \(command) \(verb) \(task.dnsRecordName) failed with status \(process.terminationStatus)"
                    + (text.isEmpty ? "" : ": \(text)"))
        }
    }
}
