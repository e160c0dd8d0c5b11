/// Something that runs a program to its end: `ProcessRunner` on a real host, a scripted fake in use-case tests.
/// Deploys (postconf, reload hooks) take one as a value, so enable and renewal are tested without spawning.
public protocol ProcessRunning: Sendable {
    /// Runs `executable` (an absolute path, executed directly) with exactly `environment`.
    func run(_ executable: String, arguments: [String], environment: [String: String]) -> ProcessResult
}

extension ProcessRunning {
    public func run(_ executable: String, environment: [String: String]) -> ProcessResult {
        run(executable, arguments: [], environment: environment)
    }
}

extension ProcessRunner: ProcessRunning {}
