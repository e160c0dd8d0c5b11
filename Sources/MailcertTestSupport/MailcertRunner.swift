import Foundation

/// Runs the built `mailcert` binary against a state directory of its own, as an administrator would.
public struct MailcertRunner: Sendable {
    public let state: TemporaryDirectory
    public var stateDirectory: String { state.path("state") }

    public init() throws { state = try TemporaryDirectory("mailcert-cli") }

    /// The executable built next to the test bundle (or $MAILCERT_BINARY).
    public static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["MAILCERT_BINARY"] { return path }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mailcert")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/mailcert").path
    }()

    /// `mailcert ARGS` with MAILCERT_STATE_DIR set to this runner's store.
    /// `environment` is added to this process's, less JOURNAL_STREAM (a test run under systemd would otherwise see
    /// journal priority prefixes on every diagnostic); a test that wants the journal's format passes it.
    public func run(
        _ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:]
    ) throws -> Subprocess.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["JOURNAL_STREAM"] = nil
        environment.merge(extra) { $1 }
        environment["MAILCERT_STATE_DIR"] = stateDirectory
        return try Subprocess.run(Self.binary, arguments, stdin: stdin, environment: environment)
    }

    /// Runs and decodes stdout as JSON.
    public func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try run(arguments)
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw TestSupportError("mailcert \(arguments.joined(separator: " ")) gave no JSON object: \(result.output)")
        }
        return object
    }

    /// Every path below the state directory except the lock files: "nothing was changed" is this staying equal.
    public func snapshot() -> [String] { Self.snapshot(of: stateDirectory) }

    /// Every path below a state directory except the lock files (which taking the lock creates).
    public static func snapshot(of stateDirectory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: stateDirectory) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).filter { $0 != "lock" && $0 != "renew.lock" }.sorted()
    }

    public func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
