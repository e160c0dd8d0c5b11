import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

/// `mailcert serve` as an administrator starts it: --user, --config and its precedence, and the errors that must stop
/// it before it listens.
@Suite("serve command")
struct ServeCommandTests {
    static let hostname = LiveListener.hostname

    /// `mailcert ARGS` against the listener's store, killed after `seconds`: a serve that wrongly starts must fail the
    /// test, not hang it.
    static func runBounded(
        _ runner: MailcertRunner, _ arguments: [String], seconds: Int = 15
    ) throws
        -> Subprocess.Result
    {
        var environment = ProcessInfo.processInfo.environment
        environment["MAILCERT_STATE_DIR"] = runner.stateDirectory
        return try Subprocess.run(
            "timeout", ["-k", "5", String(seconds), MailcertRunner.binary] + arguments, environment: environment)
    }

    /// `mailcert serve ARGS` in the background with the store of `runner`, once it accepts on `port`.
    static func serve(_ runner: MailcertRunner, _ arguments: [String], port: Int) throws -> BackgroundProcess {
        let server = try BackgroundProcess(
            MailcertRunner.binary, ["serve", "--state-dir", runner.stateDirectory, "--log-level", "debug"] + arguments,
            log: runner.state.path("serve-\(port).log"), keeping: runner.state)
        try FreePort.waitUntilListening(port, server: server)
        return server
    }

    /// The credentials line of a /proc status file: ["Uid:", real, effective, saved, filesystem].
    static func ids(_ statusFile: String, _ field: String) -> [String] {
        let text = (try? String(contentsOfFile: statusFile, encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("\(field):") }
            .map { $0.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init) } ?? []
    }

    /// Sends the session's commands one by one and returns each reply code (the client must be past the greeting).
    static func codes(_ client: RawSMTPClient, _ commands: [String]) throws -> [Int] {
        try commands.map { try client.command($0).code }
    }

    // MARK: - --user

    @Test(
        "--user nobody: once ready the server runs as uid 65534 and still serves STARTTLS with the certificate it loaded as root",
        .enabled(if: geteuid() == 0, "dropping privileges needs root; these tests are not running as root"))
    func dropsPrivileges() throws {
        let listener = try LiveListener()
        try listener.start(["--user", "nobody"])
        defer { listener.stop() }
        let pid = try #require(listener.process?.pid)
        #expect(listener.waitForLog("running as user nobody", seconds: 5), "\(listener.log)")
        #expect(listener.waitForLog("ready", seconds: 5), "\(listener.log)")

        // Every thread that does work (event loops, delivery pool, dispatch) has dropped.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").filter { $0 != "\(pid)" }
        #expect(!tasks.isEmpty)
        for task in tasks {
            let status = "/proc/\(pid)/task/\(task)/status"
            #expect(Self.ids(status, "Uid") == ["65534", "65534", "65534", "65534"], "thread \(task)")
            #expect(Self.ids(status, "Gid") == ["65534", "65534", "65534", "65534"], "thread \(task)")
        }
        // The main thread too (/proc/PID/status, what ps and kill see): it must not be parked where glibc's set*id
        // broadcast cannot reach it.
        #expect(Self.ids("/proc/\(pid)/status", "Uid") == ["65534", "65534", "65534", "65534"], "/proc/\(pid)/status")

        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        #expect(try client.command("EHLO dropped.client.test").lines.contains("STARTTLS"))
        #expect(try client.command("STARTTLS").code == 220)
        let leaf = try client.startTLS(serverName: Self.hostname)
        #expect(leaf?.sha256Thumbprint == (try listener.currentFingerprint()))
        #expect(client.tlsVersion == "TLSv1.3")
        #expect(try client.command("EHLO dropped.client.test").code == 250)
        #expect(try client.command("QUIT").code == 221)
    }

    // MARK: - --config

    static func configFile(port: Int, maildir: String, cert: String = hostname, extra: String = "") -> String {
        """
        listen = ["127.0.0.1:\(port)"]
        hostname = "config.listener.test"
        cert = ["\(cert)"]
        maildir = "\(maildir)"
        \(extra)
        [limits]
        max_recipients = 2
        """
    }

    @Test("--config: listen, hostname, cert, maildir and [limits] max_recipients from the TOML file are used")
    func configFileIsUsed() throws {
        let listener = try LiveListener()
        let maildir = listener.runner.state.path("config-maildir")
        let config = try listener.runner.state.write(
            "serve.toml", Self.configFile(port: listener.port, maildir: maildir))
        let server = try Self.serve(listener.runner, ["--config", config], port: listener.port)
        defer { server.stop() }

        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().lines == ["config.listener.test ESMTP mailcert"])
        #expect(try client.command("EHLO c.client.test").lines.contains("STARTTLS"))
        #expect(try client.command("STARTTLS").code == 220)
        #expect(try client.startTLS(serverName: Self.hostname)?.sha256Thumbprint == (try listener.currentFingerprint()))
        #expect(try client.command("EHLO c.client.test").lines.first == "config.listener.test")
        #expect(
            try Self.codes(client, ["MAIL FROM:<a@client.test>", "RCPT TO:<one@x.test>", "RCPT TO:<two@x.test>"])
                == [250, 250, 250])
        let third = try client.command("RCPT TO:<three@x.test>")
        #expect(third.code == 452)
        #expect(third.lines.last?.hasPrefix("4.5.3 ") == true, "\(third.lines)")
        #expect(try client.command("DATA").code == 354)
        #expect(try client.command("Subject: configured\r\n\r\nhi\r\n.").code == 250)
        #expect(try client.command("QUIT").code == 221)

        let stored = try FileManager.default.contentsOfDirectory(atPath: "\(maildir)/new")
        #expect(stored.count == 1)
        let message = try String(contentsOfFile: "\(maildir)/new/\(stored.first ?? "")", encoding: .utf8)
        #expect(receivedHeader(message).contains("by config.listener.test (mailcert) with ESMTPS"), "\(message)")
    }

    @Test(
        "flags win over --config keys: --listen, --hostname, --cert, --maildir and --max-recipients replace the file's")
    func flagsWin() throws {
        let listener = try LiveListener()
        let fileMaildir = listener.runner.state.path("file-maildir")
        let flagMaildir = listener.runner.state.path("flag-maildir")
        // The file names a port, a certificate that does not exist (used, it would stop serve) and a Maildir that all
        // lose to flags.
        let config = try listener.runner.state.write(
            "serve.toml", Self.configFile(port: listener.port, maildir: fileMaildir, cert: "not-in-the-store"))
        let flagPort = try #require(listener.implicitPort)  // a second free port LiveListener picked
        let server = try Self.serve(
            listener.runner,
            [
                "--config", config, "--listen", "127.0.0.1:\(flagPort)", "--hostname", "flag.listener.test",
                "--cert", Self.hostname, "--maildir", flagMaildir, "--max-recipients", "3",
            ], port: flagPort)
        defer { server.stop() }
        #expect(!FreePort.isListening(listener.port), "the file's listen address is used too")

        let client = try RawSMTPClient(port: flagPort)
        #expect(try client.reply().lines == ["flag.listener.test ESMTP mailcert"])
        #expect(try client.command("EHLO f.client.test").code == 250)
        #expect(try client.command("STARTTLS").code == 220)
        #expect(try client.startTLS(serverName: Self.hostname)?.sha256Thumbprint == (try listener.currentFingerprint()))
        #expect(try client.command("EHLO f.client.test").code == 250)
        let recipients = (1...3).map { "RCPT TO:<r\($0)@x.test>" }
        #expect(try Self.codes(client, ["MAIL FROM:<a@client.test>"] + recipients) == [250, 250, 250, 250])
        #expect(try client.command("RCPT TO:<r4@x.test>").code == 452)
        #expect(try client.command("DATA").code == 354)
        #expect(try client.command("Subject: flags\r\n\r\nhi\r\n.").code == 250)
        #expect(try client.command("QUIT").code == 221)

        #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(flagMaildir)/new"))?.count == 1)
        #expect(!FileManager.default.fileExists(atPath: fileMaildir))
    }

    @Test(
        "an unknown key in --config (a typo such as max_conections) stops serve with a message naming the file, the table and the key",
        arguments: [
            ("[limits]\nmax_conections = 10\n", " [limits]: unknown key 'max_conections'"),
            ("hostnme = \"mx.listener.test\"\n", ": unknown key 'hostnme'"),
        ])
    func unknownConfigKey(_ toml: String, _ expected: String) throws {
        let listener = try LiveListener()
        let config = try listener.runner.state.write("typo.toml", toml)

        let result = try Self.runBounded(
            listener.runner,
            [
                "serve", "--state-dir", listener.runner.stateDirectory, "--config", config, "--listen",
                "127.0.0.1:\(listener.port)", "--maildir", listener.maildir.path, "--cert", Self.hostname,
            ])

        #expect(result.status != 0 && result.status != 124, "\(result.output)")
        #expect(result.stderr.contains("\(config)\(expected)"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was started"), "\(result.stderr)")
        #expect(!FreePort.isListening(listener.port))
    }

    @Test(
        "the configuration example in the README (seconds written as integers, e.g. command_timeout = 300) is accepted")
    func readmeExampleConfig() throws {
        let listener = try LiveListener()
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "Every flag has a key in the `--config` TOML file"))
        let open = try #require(text.range(of: "```toml\n", range: start.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "```", range: open.upperBound..<text.endIndex))
        // The README's example, with this test's addresses, store names and Maildir; every [limits] line as written.
        let example = text[open.upperBound..<close.lowerBound].split(separator: "\n").map { line -> String in
            switch line.split(separator: " ").first {
            case "listen": return "listen = [\"127.0.0.1:\(listener.port)\"]"
            case "implicit_tls": return "implicit_tls = [\"127.0.0.1:\(listener.implicitPort ?? 0)\"]"
            case "require_tls": return "require_tls = [\"127.0.0.1:\(FreePort.pick())\"]"
            case "cert": return "cert = [\"\(Self.hostname)\"]"
            case "maildir": return "maildir = \"\(listener.maildir.path)\""
            case "user": return ""
            default: return String(line)
            }
        }.joined(separator: "\n")
        #expect(example.contains("command_timeout = 300"), "\(example)")
        let config = try listener.runner.state.write("readme.toml", example)

        let server = try Self.serve(listener.runner, ["--config", config], port: listener.port)
        defer { server.stop() }
        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
    }

    @Test("a value of the wrong type in the config file is named as such, not reported as a missing key")
    func wrongValueType() throws {
        let runner = try MailcertRunner()
        let config = try runner.state.write("typed.toml", "maildir = \"/tmp/x\"\n[limits]\ncommand_timeout = \"soon\"\n")
        let result = try Self.runBounded(runner, ["serve", "--config", config], seconds: 5)
        #expect(result.status != 0)
        #expect(result.stderr.contains("limits.command_timeout"), "\(result.stderr)")
        #expect(!result.stderr.contains("not found"), "\(result.stderr)")

        let list = try runner.state.write("list.toml", "maildir = \"/tmp/x\"\nlisten = \"127.0.0.1:25\"\n")
        let wrongList = try Self.runBounded(runner, ["serve", "--config", list], seconds: 5)
        #expect(wrongList.stderr.contains("'listen' must be a list, e.g. [\"127.0.0.1:25\"]"), "\(wrongList.stderr)")
    }

    @Test(
        "a config file that crashed serve (Fuzz/ServeConfig) is an error message naming the line or the key",
        arguments: [
            // TOMLKit's toml++ asserts on these and aborts the process.
            ("[\nmaildir = \"/tmp/x\"\n", "not a serve configuration: line 1: "),
            ("maildir = \"/tmp/x\"\nlisten = [}\n", "not a serve configuration: line 2: "),
            ("[[[limits]]]\n", "not a serve configuration: line 1: "),
            // Duration.seconds traps on a value no Int64 of nanoseconds holds.
            ("maildir = \"/tmp/x\"\n[limits]\ncommand_timeout = inf\n", "command_timeout must be a number of seconds"),
            ("maildir = \"/tmp/x\"\n[limits]\nticket_key_rotation = 1e300\n", "ticket_key_rotation must be a number"),
        ])
    func hostileConfig(_ toml: String, _ expected: String) throws {
        let runner = try MailcertRunner()
        let config = try runner.state.write("hostile.toml", toml)
        let result = try Self.runBounded(runner, ["serve", "--config", config], seconds: 5)
        #expect((1...125).contains(result.status), "exit \(result.status), not a crash: \(result.output)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    // MARK: - Usage errors

    @Test("--maildir with --relay is a usage error (exit 64) that says the two exclude each other")
    func maildirAndRelay() throws {
        let runner = try MailcertRunner()
        let port = FreePort.pick()

        let result = try Self.runBounded(
            runner,
            [
                "serve", "--state-dir", runner.stateDirectory, "--listen", "127.0.0.1:\(port)", "--maildir",
                runner.state.path("Maildir"), "--relay", "127.0.0.1:\(FreePort.pick())",
            ])

        #expect(result.status == 64, "\(result.output)")
        #expect(result.stderr.contains("--maildir and --relay exclude each other"), "\(result.stderr)")
        #expect(!FreePort.isListening(port))
    }

    @Test("an unknown --cert NAME stops serve with a message naming the certificate and the store it looked in")
    func unknownCertificate() throws {
        let listener = try LiveListener()

        let result = try Self.runBounded(
            listener.runner,
            [
                "serve", "--state-dir", listener.runner.stateDirectory, "--listen", "127.0.0.1:\(listener.port)",
                "--maildir", listener.maildir.path, "--cert", Self.hostname, "--cert", "missing.listener.test",
            ])

        #expect(result.status != 0 && result.status != 124, "\(result.output)")
        #expect(
            result.stderr.contains(
                "no certificate named 'missing.listener.test' in \(listener.runner.stateDirectory)/certs"),
            "\(result.stderr)")
        #expect(result.stderr.contains("nothing was started"), "\(result.stderr)")
        #expect(!FreePort.isListening(listener.port))
    }

    @Test("serve --help explains STARTTLS against implicit TLS, and reloading on renewal and SIGHUP")
    func help() throws {
        let runner = try MailcertRunner()

        let result = try Self.runBounded(runner, ["serve", "--help"])

        #expect(result.status == 0, "\(result.output)")
        // Help is wrapped to the terminal width: compare with whitespace runs folded to one space.
        let text = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in [
            "--listen", "--implicit-tls", "offer STARTTLS", "opportunistic", "speak TLS from the first byte", "465",
            "STARTTLS is not offered and answers 454 4.7.0", "SIGHUP",
            "the new one is loaded and checked off to the side",
            "sessions under way finish on the old one", "A broken new certificate is refused", "--user", "--config",
        ] {
            #expect(text.contains(phrase), "missing \"\(phrase)\" in: \(result.stdout)")
        }
    }
}
