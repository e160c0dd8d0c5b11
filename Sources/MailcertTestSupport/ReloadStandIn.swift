import Foundation

/// A daemon's reload hook for deploy tests: it records each call, fails like a broken reload while the test holds
/// `refuse(true)`, and otherwise runs the shipped hook it stands in front of (or just says "reloaded").
///
/// One stand-in serves the Postfix, Dovecot and Exim deploy tests, so "the reload failed, the previous files are
/// back" is staged the same way everywhere.
public struct ReloadStandIn: Sendable {
    /// The executable to pass as `--reload-hook`.
    public let path: String
    /// Each call appends "reload SERVICE NAME" here.
    public let log: String
    let refuseFlag: String

    /// `failure` is the line the failing reload prints (the daemon's own words); `shipped` the repository hook
    /// (e.g. "reload-postfix") it runs when not refusing.
    public init(in directory: TemporaryDirectory, failure: String, shipped: String? = nil) throws {
        refuseFlag = directory.path("refuse-reload")
        log = directory.path("reload.log")
        let next = shipped.map { "exec '\(Self.repository.appendingPathComponent("hooks/\($0)").path)'" }
        let script = """
            #!/bin/sh
            echo "reload $MAILCERT_SERVICE $MAILCERT_NAME" >> '\(log)'
            if [ -e '\(refuseFlag)' ]; then echo '\(failure)' >&2; exit 1; fi
            \(next ?? "echo 'reloaded'")
            """
        path = try directory.write("reload-stand-in", script)
        chmod(path, 0o755)
    }

    /// From now on every reload fails (`true`) or succeeds (`false`).
    public func refuse(_ on: Bool) {
        if on { FileManager.default.createFile(atPath: refuseFlag, contents: Data()) } else { unlink(refuseFlag) }
    }

    /// The calls so far, one "reload SERVICE NAME" line each.
    public var calls: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The repository the tests run from (its `hooks/` and `templates/`).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
