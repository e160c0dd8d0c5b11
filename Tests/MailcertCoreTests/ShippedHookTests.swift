import Foundation
import MailcertCore
import MailcertTestSupport
import Testing

/// The reload hooks in `hooks/`, run by the hook runner as mailcert runs them, against stand-ins for the daemons'
/// tools (small scripts first on PATH that log how they were called and answer as told).
@Suite("Shipped reload hooks")
struct ShippedHookTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let names = ["reload-postfix", "reload-dovecot", "reload-exim"]

    /// A hook directory with one shipped hook linked in, stand-in tools in `bin/`, and key files in a path with a
    /// space (so an unquoted expansion would break).
    struct Stage {
        let fixture: HookFixture
        let bin: URL
        var environment: HookEnvironment

        init(_ hook: String) throws {
            fixture = try HookFixture()
            bin = fixture.directory.url.appendingPathComponent("bin", isDirectory: true)
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let keys = fixture.directory.url.appendingPathComponent("my keys", isDirectory: true).path
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            for file in ["cert.pem", "key.pem", "fullchain.pem"] {
                try Data("PEM\n".utf8).write(to: URL(fileURLWithPath: "\(keys)/\(file)"))
            }
            symlink(
                ShippedHookTests.repository.appendingPathComponent("hooks/\(hook)").path,
                fixture.stage(.deploy).appendingPathComponent("50-\(hook)").path)
            environment = HookEnvironment(
                name: "mx1.example.com", domains: ["mx1.example.com", "mail.example.com"],
                certificate: "\(keys)/cert.pem",
                key: "\(keys)/key.pem", fullchain: "\(keys)/fullchain.pem", service: "postfix",
                path: "\(bin.path):/usr/bin:/bin")
        }

        /// A stand-in `name` that logs "name ARGS" and runs `body` (a case on "$*" to pick an answer).
        func tool(_ name: String, _ body: String = "exit 0") throws {
            let file = bin.appendingPathComponent(name)
            try Data("#!/bin/sh\necho \"\(name) $*\" >> '\(fixture.log)'\n\(body)\n".utf8).write(to: file)
            chmod(file.path, 0o755)
        }

        func run() throws -> HookOutcome {
            let outcomes = fixture.runner().run(.deploy, environment: environment)
            return try #require(outcomes.first)
        }
    }

    @Test("reload-postfix: checks, then reloads a running Postfix", arguments: [true, false])
    func postfix(running: Bool) throws {
        let stage = try Stage("reload-postfix")
        try stage.tool("postfix", running ? "exit 0" : "case \"$*\" in status) exit 1;; esac")
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(0)), "\(outcome.message)\n\(outcome.output)")
        if running {
            #expect(stage.fixture.logLines() == ["postfix status", "postfix check", "postfix reload"])
            #expect(
                outcome.output.contains(
                    "postfix reloaded for certificate 'mx1.example.com' (mx1.example.com mail.example.com)"))
        } else {
            #expect(stage.fixture.logLines() == ["postfix status"])
            #expect(
                outcome.output.contains("postfix is not running; it loads certificate 'mx1.example.com' when it starts")
            )
        }
    }

    @Test("reload-postfix: a failing 'postfix check' means no reload and exit 1")
    func postfixCheckFails() throws {
        let stage = try Stage("reload-postfix")
        try stage.tool(
            "postfix", "case \"$*\" in check) echo 'postfix/postconf: fatal: bad parameter' >&2; exit 1;; esac")
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(1)))
        #expect(stage.fixture.logLines() == ["postfix status", "postfix check"])
        #expect(
            outcome.output.contains(
                "'postfix check' failed; postfix was not reloaded and keeps serving the previous certificate"))
    }

    @Test("every shipped hook refuses a key it cannot read, naming it", arguments: names)
    func unreadableKey(hook: String) throws {
        var stage = try Stage(hook)
        stage.environment.key = stage.fixture.directory.path("my keys/missing.pem")
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(1)))
        #expect(outcome.output.contains("\(hook): \(stage.environment.key) is not readable"), "\(outcome.output)")
        #expect(stage.fixture.logLines().isEmpty)
    }

    @Test("every shipped hook says so when its daemon's tools are not installed", arguments: names)
    func notInstalled(hook: String) throws {
        var stage = try Stage(hook)
        stage.environment.path = stage.bin.path  // nothing there
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(1)))
        #expect(outcome.output.contains("is not installed (PATH=\(stage.bin.path)"), "\(outcome.output)")
    }

    @Test("reload-dovecot: checks the configuration, then reloads a running Dovecot", arguments: [true, false])
    func dovecot(running: Bool) throws {
        let stage = try Stage("reload-dovecot")
        let baseDir = stage.fixture.directory.path("run dovecot")
        try FileManager.default.createDirectory(atPath: baseDir, withIntermediateDirectories: true)
        if running { try Data("4242\n".utf8).write(to: URL(fileURLWithPath: "\(baseDir)/master.pid")) }
        try stage.tool("doveconf", "case \"$*\" in '-h base_dir') echo '\(baseDir)';; esac")
        try stage.tool("doveadm")
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(0)), "\(outcome.message)\n\(outcome.output)")
        let checks = ["doveconf -n", "doveconf -h base_dir"]
        #expect(stage.fixture.logLines() == (running ? checks + ["doveadm reload"] : checks))
        #expect(
            outcome.output.contains(
                running ? "dovecot reloaded for certificate 'mx1.example.com'" : "dovecot is not running"))
    }

    @Test("reload-dovecot: a configuration error means no reload and exit 1")
    func dovecotConfigurationError() throws {
        let stage = try Stage("reload-dovecot")
        try stage.tool("doveconf", "exit 89")
        try stage.tool("doveadm")
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(1)))
        #expect(stage.fixture.logLines() == ["doveconf -n"])
    }

    @Test("reload-exim: a configuration error (exim -bV) means no reload and exit 1")
    func eximConfigurationError() throws {
        let stage = try Stage("reload-exim")
        try stage.tool("exim4", "exit 1")
        try stage.tool("systemctl")
        let outcome = try stage.run()
        #expect(outcome.status == .finished(.exited(1)))
        #expect(stage.fixture.logLines() == ["exim4 -bV"])
        #expect(outcome.output.contains("'exim4 -bV' found an error; exim was not reloaded"))
    }

    @Test("reload-exim: reloads the active unit through systemd, or says to send SIGHUP without systemd")
    func eximReload() throws {
        let stage = try Stage("reload-exim")
        try stage.tool("exim")
        try stage.tool("systemctl", "case \"$*\" in 'is-active --quiet exim4.service') exit 3;; esac")
        let outcome = try stage.run()
        if FileManager.default.fileExists(atPath: "/run/systemd/system") {
            #expect(outcome.status == .finished(.exited(0)), "\(outcome.output)")
            #expect(
                stage.fixture.logLines() == [
                    "exim -bV", "systemctl is-active --quiet exim4.service", "systemctl is-active --quiet exim.service",
                    "systemctl reload exim.service",
                ])
        } else {
            #expect(outcome.status == .finished(.exited(1)))
            #expect(stage.fixture.logLines() == ["exim -bV"])
            #expect(outcome.output.contains("systemd is not running; send SIGHUP to the exim daemon by hand"))
        }
    }

    @Test(
        "each shipped hook is an executable POSIX sh script with set -eu that documents the whole contract",
        arguments: names)
    func contract(hook: String) throws {
        let file = Self.repository.appendingPathComponent("hooks/\(hook)")
        #expect(FileManager.default.isExecutableFile(atPath: file.path))
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("#!/bin/sh\n"))
        let header = text.split(separator: "\n").prefix { $0.hasPrefix("#") }.joined(separator: "\n")
        for variable in HookEnvironment.Variable.all { #expect(header.contains("#   \(variable) "), "\(variable)") }
        #expect(text.contains("\nset -eu\n"))
        #expect(Self.unquotedExpansions(text).isEmpty, "\(Self.unquotedExpansions(text))")
        let syntax = try Subprocess.run("/bin/sh", ["-n", file.path])
        #expect(syntax.status == 0, "\(syntax.output)")
    }

    @Test("the unquoted-expansion scan finds what it must and nothing else")
    func unquotedScan() {
        let script =
            "echo $MAILCERT_NAME\necho \"$MAILCERT_NAME\" '$MAILCERT_KEY'\n# $MAILCERT_KEY\n[ -r ${MAILCERT_KEY} ]\n"
        #expect(Self.unquotedExpansions(script) == ["echo $MAILCERT_NAME", "[ -r ${MAILCERT_KEY} ]"])
    }

    /// Lines that expand a MAILCERT_* variable outside double quotes (comments ignored).
    static func unquotedExpansions(_ script: String) -> [String] {
        script.split(separator: "\n").filter { line in
            var inDouble = false
            var inSingle = false
            var previous: Character = " "
            for (offset, character) in line.enumerated() {
                if character == "#" && !inDouble && !inSingle && (previous == " " || offset == 0) { return false }
                if character == "'" && !inDouble { inSingle.toggle() }
                if character == "\"" && !inSingle && previous != "\\" { inDouble.toggle() }
                if character == "$" && !inDouble && !inSingle {
                    let rest = line.dropFirst(offset + 1).drop { $0 == "{" }
                    if rest.hasPrefix("MAILCERT_") { return true }
                }
                previous = character
            }
            return false
        }.map(String.init)
    }
}
