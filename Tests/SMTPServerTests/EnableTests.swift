import Foundation
import MailcertTestSupport
import Testing

/// `mailcert enable` / `disable` against a running `mailcert serve`: the check before binding, the binding itself,
/// the listener picking it up with no restart, and the proof over the wire.
@Suite("enable and disable")
struct EnableTests {
    static let hostname = LiveListener.hostname

    /// Runs mailcert in the listener's store.
    static func mailcert(_ listener: LiveListener, _ arguments: [String]) throws -> Subprocess.Result {
        try listener.runner.run(arguments)
    }

    static func bindings(_ listener: LiveListener) -> String {
        (try? String(contentsOfFile: listener.runner.stateDirectory + "/bindings.json", encoding: .utf8)) ?? ""
    }

    @Test("enable --service smtp makes a running listener serve the certificate, proven over STARTTLS")
    func enableUnderRunningListener() throws {
        let listener = try LiveListener().start(serving: [])
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        #expect(try client.command("STARTTLS").code == 454)

        let result = try Self.mailcert(
            listener,
            ["enable", "--name", Self.hostname, "--service", "smtp", "--hostname", Self.hostname, "--connect",
             "127.0.0.1:\(listener.port)"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("smtp: bound to \(Self.hostname)"))
        #expect(result.stdout.contains("smtp: proven: 127.0.0.1:\(listener.port) serves sha256"))
        #expect(Self.bindings(listener).contains("\"smtp\" : \"\(Self.hostname)\""))

        let served = try SClient.run(port: listener.port, ["-servername", Self.hostname])
        #expect(try served.fingerprint() == listener.currentFingerprint())
        #expect(listener.process?.isRunning == true, "no restart")
    }

    @Test("serve records where it listens: enable --service smtp without --connect proves there, and renew too")
    func enableFindsTheListener() throws {
        let listener = try LiveListener().start(serving: [])
        let file = listener.runner.stateDirectory + "/listener.json"
        #expect(eventually { FileManager.default.fileExists(atPath: file) }, "recorded right after it bound")
        let records = try String(contentsOfFile: file, encoding: .utf8)
        #expect(records.contains("\"endpoint\" : \"127.0.0.1:\(listener.port)\""), "\(records)")

        let result = try Self.mailcert(listener, ["enable", "--name", Self.hostname, "--service", "smtp"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("smtp: proven: 127.0.0.1:\(listener.port) serves sha256"), "\(result.output)")
        let proofs = (try? String(contentsOfFile: listener.runner.stateDirectory + "/proofs.json", encoding: .utf8)) ?? ""
        #expect(!proofs.contains("smtp"), "nothing pinned: a listener moved to another port is followed")

        // A new version behind the listener's back (an import, a renewal elsewhere): renew proves it there.
        #expect(try Self.mailcert(listener, ["request", "-d", Self.hostname, "--self-signed", "--force"]).status == 0)
        let renewed = try Self.mailcert(listener, ["renew", "--no-random-sleep"])
        #expect(renewed.status == 0, "\(renewed.output)")
        #expect(renewed.stdout.contains("smtp: proven serving version 2 at 127.0.0.1:\(listener.port)"), "\(renewed.output)")

        // A listener that died without a word (SIGKILL): its record stays, is ignored with a note, and nothing is
        // proven against it.
        let pid = try #require(listener.process?.pid)
        kill(pid, SIGKILL)
        #expect(eventually { listener.process?.isRunning == false })
        let after = try Self.mailcert(listener, ["enable", "--name", Self.hostname, "--service", "smtp", "--prove-timeout", "1"])
        #expect(after.stderr.contains("(pid \(pid)) is gone; its record is ignored"), "\(after.output)")
        #expect(after.stderr.contains("127.0.0.1:25"), "falls back to the conventional port: \(after.output)")
    }

    @Test("moving smtp to another certificate is one enable; disable stops serving it")
    func moveThenDisable() throws {
        let listener = try LiveListener(certificates: [Self.hostname, "other.listener.test"]).start(serving: [])
        let target = ["--connect", "127.0.0.1:\(listener.port)"]
        #expect(try Self.mailcert(listener, ["enable", "--name", Self.hostname, "--service", "smtp"] + target).status == 0)
        let moved = try Self.mailcert(listener, ["enable", "--name", "other.listener.test", "--service", "smtp"] + target)
        #expect(moved.status == 0, "\(moved.output)")
        #expect(moved.stdout.contains("smtp: bound to other.listener.test (was \(Self.hostname))"))
        #expect(try SClient.run(port: listener.port).fingerprint() == listener.currentFingerprint("other.listener.test"))

        let disabled = try Self.mailcert(listener, ["disable", "--service", "smtp"])
        #expect(disabled.stdout.contains("smtp: unbound (was other.listener.test)"))
        #expect(
            eventually {
                let client = try? RawSMTPClient(port: listener.port)
                _ = try? client?.reply()
                return (try? client?.command("STARTTLS").code) == 454
            })
        let again = try Self.mailcert(listener, ["disable", "--service", "smtp"])
        #expect(again.stderr.contains("smtp was not bound; nothing changed"))
    }

    @Test("a certificate that does not cover the service's hostname is refused, naming the check; --force binds it")
    func refusesWrongName() throws {
        let listener = try LiveListener()
        let refused = try Self.mailcert(
            listener, ["enable", "--name", Self.hostname, "--service", "smtp", "--hostname", "mx.elsewhere.test", "--no-prove"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("names: does not cover mx.elsewhere.test"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was bound"))
        #expect(Self.bindings(listener).isEmpty)

        let forced = try Self.mailcert(
            listener,
            ["enable", "--name", Self.hostname, "--service", "smtp", "--hostname", "mx.elsewhere.test", "--no-prove", "--force"])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(forced.stderr.contains("warning: binding \(Self.hostname) despite: names: does not cover mx.elsewhere.test"))
        #expect(Self.bindings(listener).contains(Self.hostname))
    }

    @Test("an expired certificate is refused")
    func refusesExpired() throws {
        let listener = try LiveListener(certificates: [])
        let ca = try TestCA()
        let leaf = try ca.issue(
            LeafSpec(["old.listener.test"], notBefore: "20200101000000Z", notAfter: "20210101000000Z"))
        let bundle = listener.runner.state.path("old.p12")
        _ = try Subprocess.openssl([
            "pkcs12", "-export", "-inkey", leaf.keyPath, "-in", leaf.fullchainPath, "-out", bundle, "-passout", "pass:",
        ])
        let imported = try Self.mailcert(listener, ["import", "--name", "old", "--pkcs12", bundle])
        try #require(imported.status == 0, "\(imported.output)")
        let refused = try Self.mailcert(listener, ["enable", "--name", "old", "--service", "smtp", "--no-prove"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("validity: expired on 2021-01-01"), "\(refused.stderr)")
    }

    @Test("--thumbprint picks the certificate list shows it for, in SHA-256 or SHA-1")
    func byThumbprint() throws {
        let listener = try LiveListener(certificates: [Self.hostname, "other.listener.test"])
        let sha256 = try listener.currentFingerprint("other.listener.test")
        let bound = try Self.mailcert(listener, ["enable", "--thumbprint", sha256.lowercased(), "--service", "submission", "--no-prove"])
        #expect(bound.stdout.contains("submission: bound to other.listener.test"), "\(bound.output)")
        let unknown = try Self.mailcert(listener, ["enable", "--thumbprint", String(repeating: "AB", count: 20), "--service", "smtp"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("has the thumbprint"))
    }

    @Test("when nothing serves the service, the proof fails after its timeout and says the binding is recorded")
    func proofFails() throws {
        let listener = try LiveListener()
        let port = FreePort.pick()
        let result = try Self.mailcert(
            listener,
            ["enable", "--name", Self.hostname, "--service", "smtp", "--connect", "127.0.0.1:\(port)", "--prove-timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("did not serve it within 1.0 s"), "\(result.stderr)")
        #expect(result.stderr.contains("the binding is recorded"))
        #expect(Self.bindings(listener).contains(Self.hostname))
    }

    @Test("unknown services are usage errors; --reload-hook names the reload of exactly one daemon")
    func unsupportedServices() throws {
        let listener = try LiveListener()
        let twoDaemons = try Self.mailcert(
            listener, ["enable", "--name", Self.hostname, "--service", "postfix,dovecot", "--reload-hook", "/bin/true"])
        #expect(twoDaemons.status == 64)
        #expect(twoDaemons.stderr.contains("--reload-hook reloads one daemon"), "\(twoDaemons.stderr)")
        let unknown = try Self.mailcert(listener, ["enable", "--name", Self.hostname, "--service", "imap4"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown service 'imap4'"))
    }
}
