import Foundation
import Synchronization

/// http-01 through a web server that already serves `webroot`: writes the key authorization to
/// `webroot/.well-known/acme-challenge/<token>`, and removes it (and the directories it created) afterwards.
public struct HTTP01WebrootSolver: ChallengeSolver {
    public let webroot: URL
    public var challengeType: String { "http-01" }
    private let createdDirectories = CreatedDirectories()

    public init(webroot: URL) { self.webroot = webroot }

    private var challengeDirectory: URL { webroot.appendingPathComponent(".well-known/acme-challenge", isDirectory: true) }

    public func present(_ task: ChallengeTask) async throws {
        do {
            createdDirectories.record(try Self.makeDirectories(challengeDirectory))
            let file = challengeDirectory.appendingPathComponent(task.token)
            try Data(task.keyAuthorization.utf8).write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        } catch {
            throw ACMEError(.solver, "cannot write the http-01 answer for \(task.hostname) into \(challengeDirectory.path): \(error.localizedDescription)")
        }
    }

    public func cleanUp(_ task: ChallengeTask) async {
        unlink(challengeDirectory.appendingPathComponent(task.token).path)
    }

    /// Removes the directories `present` created, and only when empty (rmdir refuses otherwise, so another order's
    /// answer in a shared webroot is never taken away): the webroot is left as it was found.
    public func finish() async {
        for directory in createdDirectories.all.reversed() { rmdir(directory.path) }
    }

    /// Creates `directory` and missing parents (0755); returns the ones it created, outermost first.
    private static func makeDirectories(_ directory: URL) throws -> [URL] {
        var missing: [URL] = []
        var cursor = directory
        while !FileManager.default.fileExists(atPath: cursor.path) {
            missing.insert(cursor, at: 0)
            cursor = cursor.deletingLastPathComponent()
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return missing
    }
}

/// Directories a webroot solver made, shared by the concurrent authorizations of an order.
final class CreatedDirectories: Sendable {
    private let list = Mutex<[URL]>([])
    func record(_ urls: [URL]) { list.withLock { $0.append(contentsOf: urls) } }
    var all: [URL] { list.withLock { $0 } }
}
