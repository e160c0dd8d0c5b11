import Foundation
import MailcertCore
import MailcertTestSupport

/// A temporary STATE/hooks with helpers to write small `#!/bin/sh` hooks, and a log they append to.
struct HookFixture {
    let directory: TemporaryDirectory
    let hooks: URL

    init() throws {
        directory = try TemporaryDirectory("mailcert-hooks")
        hooks = directory.url.appendingPathComponent("state/hooks", isDirectory: true)
        try FileManager.default.createDirectory(at: stage(.deploy), withIntermediateDirectories: true)
    }

    func stage(_ stage: HookStage) -> URL { hooks.appendingPathComponent(stage.rawValue, isDirectory: true) }

    /// The file hooks append to; hooks get no variable naming it (their environment is the contract only).
    var log: String { directory.path("log") }

    /// Writes `body` after a `#!/bin/sh` line as `name` in the stage directory, with `mode`.
    @discardableResult
    func hook(_ name: String, _ body: String, stage: HookStage = .deploy, mode: mode_t = 0o755) throws -> URL {
        let file = self.stage(stage).appendingPathComponent(name)
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: file)
        chmod(file.path, mode)
        return file
    }

    /// Lines the hooks appended to the log, in order.
    func logLines() -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func runner(timeout: Duration = .seconds(10), outputLimit: Int = 64 * 1024) -> HookRunner {
        HookRunner(directory: hooks, timeout: timeout, killGrace: .milliseconds(500), outputLimit: outputLimit)
    }

    static let environment = HookEnvironment(
        name: "mx1.example.com", domains: ["mx1.example.com", "mail.example.com"],
        certificate: "/var/lib/mailcert/certs/mx1.example.com/current/cert.pem",
        key: "/var/lib/mailcert/certs/mx1.example.com/current/key.pem",
        fullchain: "/var/lib/mailcert/certs/mx1.example.com/current/fullchain.pem", service: "postfix",
        lineage: "/var/lib/mailcert/certs/mx1.example.com/current")
}

/// The process table, read from /proc: what a timeout must leave behind is nothing.
enum ProcessTable {
    /// Live (not zombie) processes whose process group is `group`.
    static func members(ofGroup group: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { pid in
            guard let fields = statFields(pid) else { return false }
            return fields.count > 2 && fields[0] != "Z" && pid_t(fields[2]) == group
        }
    }

    /// True while `pid` exists and is not a zombie (an orphan killed here may wait for a PID 1 that never reaps).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return statFields(pid).map { $0.first != "Z" } ?? false
    }

    /// The fields of /proc/PID/stat after the command name: state, ppid, pgrp, ...
    private static func statFields(_ pid: pid_t) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    /// Waits up to `seconds` for `condition`, checking every 20 ms.
    static func eventually(within seconds: Double = 3, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
