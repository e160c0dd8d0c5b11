import Foundation

/// http-01 through a web server that already serves `webroot`: writes the key authorization to
/// `webroot/.well-known/acme-challenge/<token>`, and removes it (and the directories it created) afterwards.
public struct HTTP01WebrootSolver: ChallengeSolver {
    public let webroot: URL
    public var challengeType: String { "http-01" }

    public init(webroot: URL) { self.webroot = webroot }

    private var challengeDirectory: URL { webroot.appendingPathComponent(".well-known/acme-challenge", isDirectory: true) }

    public func present(_ task: ChallengeTask) async throws {
        do {
            try FileManager.default.createDirectory(
                at: challengeDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            let file = challengeDirectory.appendingPathComponent(task.token)
            try Data(task.keyAuthorization.utf8).write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        } catch {
            throw ACMEError(.solver, "cannot write the http-01 answer for \(task.hostname) into \(challengeDirectory.path): \(error.localizedDescription)")
        }
    }

    public func cleanUp(_ task: ChallengeTask) async {
        try? FileManager.default.removeItem(at: challengeDirectory.appendingPathComponent(task.token))
    }

    /// Removes `.well-known/acme-challenge` and `.well-known` when they are empty, leaving the webroot as found.
    public func finish() async {
        for directory in [challengeDirectory, challengeDirectory.deletingLastPathComponent()] {
            if (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: directory)
            }
        }
    }
}
