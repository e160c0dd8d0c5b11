import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

/// Certificates changing under a running `mailcert serve`, the way a renewal changes them (`current` switched in one
/// rename), by SIGHUP, or broken; and the two ends of a listener's life: no certificate at all, and SIGTERM.
@Suite("Reload and signals")
struct ReloadTests {
    static let hostname = LiveListener.hostname
    static let transaction = ["MAIL FROM:<a@client.test>", "RCPT TO:<b@mx.listener.test>"]

    /// The SHA-256 of the leaf a new STARTTLS session gets (upper-case hex, as the store and the log print it).
    static func servedFingerprint(_ listener: LiveListener, serverName: String? = hostname) throws -> String? {
        let client = try RawSMTPClient(port: listener.port)
        guard try client.reply().code == 220, try client.command("EHLO reload.client.test").code == 250,
            try client.command("STARTTLS").code == 220
        else { return nil }
        let leaf = try client.startTLS(serverName: serverName)
        _ = try? client.command("QUIT")
        return leaf?.sha256Thumbprint
    }

    static func certificateDirectory(_ listener: LiveListener, _ name: String = hostname) -> URL {
        URL(fileURLWithPath: "\(listener.runner.stateDirectory)/certs/\(name)", isDirectory: true)
    }

    /// Points `certs/NAME/current` at `versions/<version>` the way the store does: a new symlink renamed over it.
    static func switchCurrent(_ listener: LiveListener, to version: String, name: String = hostname) throws {
        let directory = certificateDirectory(listener, name)
        let temporary = directory.appendingPathComponent("current.tmp").path
        unlink(temporary)
        guard symlink("versions/\(version)", temporary) == 0 else {
            throw TestSupportError("symlink \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, directory.appendingPathComponent("current").path) == 0 else {
            throw TestSupportError("rename \(temporary): \(String(cString: strerror(errno)))")
        }
    }

    static func renew(_ listener: LiveListener, _ name: String = hostname) throws {
        let result = try listener.runner.run(["request", "-d", hostname, "--name", name, "--self-signed", "--force"])
        guard result.status == 0 else { throw TestSupportError("renewal failed: \(result.output)") }
    }

    // MARK: - Renewal

    @Test("a renewal that switches current is served to the next connection without a restart, and logged")
    func renewalIsServed() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }
        let old = try listener.currentFingerprint()
        #expect(try Self.servedFingerprint(listener) == old)
        let pid = listener.process?.pid

        try Self.renew(listener)
        let new = try listener.currentFingerprint()
        try #require(new != old)

        #expect(try eventually(within: 5) { try Self.servedFingerprint(listener) == new }, "\(listener.log)")
        #expect(listener.process?.pid == pid && listener.process?.isRunning == true)
        #expect(
            eventually(within: 5) {
                !logLines(listener.log, containing: "serving certificate", "sha256=\(new)").isEmpty
            },
            "\(listener.log)")
        // s_client, an independent client, agrees.
        let session = try SClient.run(port: listener.port, ["-servername", Self.hostname])
        #expect(try session.fingerprint() == new, "\(session.output)")
    }

    @Test("a session that did STARTTLS before the switch finishes its transaction after it, on the old certificate")
    func sessionUnderWaySurvivesTheSwitch() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }
        let old = try listener.currentFingerprint()
        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        #expect(try client.command("EHLO early.client.test").code == 250)
        #expect(try client.command("STARTTLS").code == 220)
        let leaf = try client.startTLS(serverName: Self.hostname)
        #expect(leaf?.sha256Thumbprint == old)
        #expect(try client.command("EHLO early.client.test").code == 250)
        #expect(try client.command(Self.transaction[0]).code == 250)

        try Self.renew(listener)
        let new = try listener.currentFingerprint()
        #expect(try eventually(within: 5) { try Self.servedFingerprint(listener) == new }, "\(listener.log)")

        // The old session goes on, in the same TLS session, as if nothing happened.
        #expect(try client.command(Self.transaction[1]).code == 250)
        #expect(try client.command("DATA").code == 354)
        #expect(try client.command("Subject: across a reload\r\n\r\nstill here\r\n.").code == 250)
        #expect(try client.command("QUIT").code == 221)
        #expect(client.tlsVersion == "TLSv1.3")

        let messages = listener.delivered()
        #expect(messages.count == 1)
        #expect(messages.first?.contains("still here") == true)
        #expect(messages.first.map(receivedHeader)?.contains(" with ESMTPS id ") == true)
        // Its session line names the certificate it saw: the old one.
        #expect(
            eventually(within: 5) {
                !logLines(listener.log, containing: "cert=\(old.prefix(16))", "messages=1", "result=quit").isEmpty
            }, "\(listener.log)")
    }

    @Test("SIGHUP reloads: files changed in place, which the watcher does not see, are served after it")
    func hangUpReloads() throws {
        let listener = try LiveListener()
        // A second certificate for the same name, whose files will be copied over the served ones.
        let spare = try listener.runner.run(["request", "-d", Self.hostname, "--name", "spare", "--self-signed"])
        try #require(spare.status == 0, "\(spare.output)")
        try listener.start()
        defer { listener.stop() }
        let old = try listener.currentFingerprint()
        let replacement = try listener.currentFingerprint("spare")
        let pid = try #require(listener.process?.pid)

        // Rewrite the files inside the version directory current points at: no rename of current, so no reload.
        let served = Self.certificateDirectory(listener).appendingPathComponent("current").resolvingSymlinksInPath()
        let source = Self.certificateDirectory(listener, "spare").appendingPathComponent("current")
            .resolvingSymlinksInPath()
        for file in ["key.pem", "fullchain.pem"] {
            let staged = served.appendingPathComponent("\(file).new")
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: staged)
            guard rename(staged.path, served.appendingPathComponent(file).path) == 0 else {
                throw TestSupportError("rename \(staged.path): \(String(cString: strerror(errno)))")
            }
        }
        usleep(200_000)  // the watcher reacts within milliseconds when it does react
        #expect(try Self.servedFingerprint(listener) == old)

        #expect(kill(pid, SIGHUP) == 0)

        #expect(listener.waitForLog("TLS context ready (SIGHUP)", seconds: 5), "\(listener.log)")
        #expect(try eventually(within: 5) { try Self.servedFingerprint(listener) == replacement }, "\(listener.log)")
        #expect(!logLines(listener.log, containing: "serving certificate", "sha256=\(replacement)").isEmpty)
        #expect(listener.process?.isRunning == true)
    }

    // MARK: - A broken new version

    enum Breakage: String, CaseIterable, CustomTestStringConvertible {
        case keyOfAnotherCertificate = "key.pem holds another valid key"
        case keyNotPEM = "key.pem is not a PEM key"
        var testDescription: String { rawValue }
    }

    @Test(
        "a broken new version is refused with a log line naming the certificate, the previous one keeps serving, and a later good version is served",
        arguments: Breakage.allCases)
    func brokenVersionKeepsThePrevious(_ breakage: Breakage) throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }
        let good = try listener.currentFingerprint()
        let directory = Self.certificateDirectory(listener)
        let current = directory.appendingPathComponent("current").resolvingSymlinksInPath()
        let broken = directory.appendingPathComponent("versions/99")
        try FileManager.default.copyItem(at: current, to: broken)
        let key = broken.appendingPathComponent("key.pem")
        try FileManager.default.removeItem(at: key)
        switch breakage {
        case .keyOfAnotherCertificate:
            try Subprocess.openssl([
                "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.path,
            ])
        case .keyNotPEM:
            try Data("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n".utf8).write(to: key)
        }

        try Self.switchCurrent(listener, to: "99")

        let refusal = "cannot load certificate \(Self.hostname): "
        #expect(
            eventually(within: 5) {
                !logLines(listener.log, containing: refusal, "the previous version (\(good.prefix(16))…) keeps serving")
                    .isEmpty
            }, "\(listener.log)")
        for _ in 0..<3 { #expect(try Self.servedFingerprint(listener) == good) }
        if breakage == .keyNotPEM {
            // A key that cannot be read is named by its file, in the version `current` pointed at when it was read.
            #expect(!logLines(listener.log, containing: refusal, "versions/99/key.pem").isEmpty, "\(listener.log)")
        }

        // A renewal after the broken version (the store's own way) is served.
        try Self.renew(listener)
        let renewed = try listener.currentFingerprint()
        #expect(try eventually(within: 5) { try Self.servedFingerprint(listener) == renewed }, "\(listener.log)")
        // And so is a switch back to the first version.
        try Self.switchCurrent(listener, to: "1")
        #expect(try eventually(within: 5) { try Self.servedFingerprint(listener) == good }, "\(listener.log)")
        #expect(listener.process?.isRunning == true)
    }

    @Test(
        "a key that does not match its certificate is refused with a log line naming the key file, as CertificateReloader promises"
    )
    func mismatchedKeyNamesTheFile() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }
        let directory = Self.certificateDirectory(listener)
        let broken = directory.appendingPathComponent("versions/99")
        try FileManager.default.copyItem(
            at: directory.appendingPathComponent("current").resolvingSymlinksInPath(), to: broken)
        try FileManager.default.removeItem(at: broken.appendingPathComponent("key.pem"))
        try Subprocess.openssl([
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
            broken.appendingPathComponent("key.pem").path,
        ])

        try Self.switchCurrent(listener, to: "99")

        let refusal = "cannot load certificate \(Self.hostname): "
        #expect(listener.waitForLog(refusal, seconds: 5), "\(listener.log)")
        #expect(!logLines(listener.log, containing: refusal, "key.pem with ").isEmpty, "\(listener.log)")
        #expect(!logLines(listener.log, containing: refusal, "fullchain.pem").isEmpty, "\(listener.log)")
    }

    // MARK: - No certificate

    @Test(
        "with no certificate to serve, EHLO does not offer STARTTLS, STARTTLS gets 454 4.7.0, and plain mail is delivered"
    )
    func noCertificate() throws {
        let listener = try LiveListener().start(serving: [])
        defer { listener.stop() }
        #expect(listener.waitForLog("STARTTLS is not offered", seconds: 5), "\(listener.log)")

        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        let ehlo = try client.command("EHLO plain.client.test")
        #expect(ehlo.code == 250)
        #expect(ehlo.lines.contains("PIPELINING"), "\(ehlo.lines)")
        #expect(!ehlo.lines.contains { $0.uppercased().contains("STARTTLS") }, "\(ehlo.lines)")
        let refused = try client.command("STARTTLS")
        #expect(refused.code == 454)
        #expect(refused.lines.last?.hasPrefix("4.7.0 ") == true, "\(refused.lines)")
        // The session is still in plaintext and usable.
        for command in Self.transaction { #expect(try client.command(command).code == 250) }
        #expect(try client.command("DATA").code == 354)
        #expect(try client.command("Subject: plain\r\n\r\nno TLS here\r\n.").code == 250)
        #expect(try client.command("QUIT").code == 221)

        let messages = listener.delivered()
        #expect(messages.count == 1)
        let header = messages.first.map(receivedHeader) ?? ""
        #expect(header.contains(" with ESMTP id ") && !header.contains("(using "), "\(header)")
    }

    // MARK: - SIGTERM

    @Test("SIGTERM stops accepting at once, lets the open session finish its transaction, then exits 0")
    func gracefulTermination() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }
        let process = try #require(listener.process)
        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        #expect(try client.command("EHLO leaving.client.test").code == 250)
        #expect(try client.command("STARTTLS").code == 220)
        try client.startTLS(serverName: Self.hostname)
        #expect(try client.command("EHLO leaving.client.test").code == 250)
        for command in Self.transaction { #expect(try client.command(command).code == 250) }

        #expect(kill(process.pid, SIGTERM) == 0)

        #expect(eventually(within: 5) { !FreePort.isListening(listener.port) }, "\(listener.log)")
        // At least this session (the readiness probe's may not have been counted out yet).
        #expect(listener.waitForLog("stopped accepting; ", seconds: 5), "\(listener.log)")
        let open = listener.log.components(separatedBy: "stopped accepting; ").last?.prefix { $0.isNumber } ?? ""
        #expect((Int(open) ?? 0) >= 1, "\(listener.log)")
        #expect(ChildExit.wait(pid: process.pid, seconds: 0) == nil, "exited with a session open: \(listener.log)")
        #expect(try client.command("DATA").code == 354)
        #expect(try client.command("Subject: last one\r\n\r\nsent during shutdown\r\n.").code == 250)
        #expect(try client.command("QUIT").code == 221)

        #expect(ChildExit.wait(pid: process.pid, seconds: 10) == .exited(0), "\(listener.log)")
        #expect(listener.log.contains("stopped"))
        #expect(listener.delivered().count == 1)
        #expect(!process.isRunning)
    }

    @Test("SIGTERM with an idle session: after limits.shutdown_grace it is told 421 4.3.2 and the process exits 0")
    func shutdownGraceEnds() throws {
        let listener = try LiveListener()
        // "1.0", not "1": an integer for a seconds key is refused (see ServeCommandTests' README example test).
        let config = try listener.runner.state.write("grace.toml", "[limits]\nshutdown_grace = 1.0\n")
        try listener.start(["--config", config])
        defer { listener.stop() }
        let process = try #require(listener.process)
        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        #expect(try client.command("EHLO idle.client.test").code == 250)

        let signalled = Date()
        #expect(kill(process.pid, SIGTERM) == 0)

        let reply = try client.reply(within: .seconds(10))
        #expect(reply.code == 421)
        #expect(reply.lines.last?.hasPrefix("4.3.2 ") == true, "\(reply.lines)")
        #expect(Date().timeIntervalSince(signalled) >= 0.9)
        #expect(try client.readUntilClosed() == "")
        #expect(ChildExit.wait(pid: process.pid, seconds: 10) == .exited(0), "\(listener.log)")
    }
}
