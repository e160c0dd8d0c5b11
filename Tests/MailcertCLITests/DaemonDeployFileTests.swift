import Foundation
import MailcertTestSupport
import Testing

/// `enable --service dovecot|exim` into a staging root, at the file level: the rendered snippet, the files and their
/// modes, the atomic replace with the previous files kept aside, and the rollback when the reload fails.
///
/// No real Dovecot or Exim runs here: Debian's exim4 conflicts with postfix on one machine (both provide
/// mail-transport-agent). The reload is a stand-in (`--reload-hook`) that records its environment and fails while the
/// test's flag file exists; Postfix is tested end to end in ACMEIntegrationTests/PostfixDeployTests, Dovecot (a
/// private instance reloaded by the shipped hooks/reload-dovecot) in DovecotDeployTests.
@Suite("Dovecot and exim deploy files")
struct DaemonDeployFileTests {
    static let host = "mx1.example.test"

    struct Stage {
        let mailcert: MailcertRunner
        let root: TemporaryDirectory
        let reload: ReloadStandIn
        var hook: String { reload.path }

        init() throws {
            mailcert = try MailcertRunner()
            root = try TemporaryDirectory("mailcert-root")
            reload = try ReloadStandIn(in: mailcert.state, failure: "doveadm: Fatal: simulated reload failure")
            try newVersion()
        }

        /// A new self-signed version of the certificate (version 1 the first time).
        func newVersion() throws {
            let result = try mailcert.run(["request", "-d", DaemonDeployFileTests.host, "--self-signed", "--force"])
            guard result.status == 0 else { throw TestSupportError("request failed: \(result.output)") }
        }

        func enable(_ service: String) throws -> Subprocess.Result {
            try mailcert.run([
                "enable", "--name", DaemonDeployFileTests.host, "--service", service, "--root", root.url.path,
                "--reload-hook", hook, "--no-prove",
            ])
        }

        func stored(_ file: String) throws -> String {
            let current = "\(mailcert.stateDirectory)/certs/\(DaemonDeployFileTests.host)/current"
            return try String(contentsOfFile: "\(current)/\(file)", encoding: .utf8)
        }

        func read(_ path: String) throws -> String { try String(contentsOfFile: root.path(path), encoding: .utf8) }

        func reloads() -> [String] { reload.calls }
    }

    @Test("dovecot: 99-mailcert.conf names the files, key 0600, replaced atomically with the previous kept aside")
    func dovecot() throws {
        let stage = try Stage()
        let enabled = try stage.enable("dovecot")
        #expect(enabled.status == 0, "\(enabled.output)")
        let directory = stage.root.path("etc/mailcert/dovecot/\(Self.host)")
        let snippet = try stage.read("etc/dovecot/conf.d/99-mailcert.conf")
        #expect(snippet.hasPrefix("# Managed by mailcert"))
        #expect(snippet.contains("\nssl_cert = <\(directory)/fullchain.pem\n"), "\(snippet)")
        #expect(snippet.contains("\nssl_key = <\(directory)/key.pem\n"), "\(snippet)")
        #expect(try stage.mailcert.mode("\(directory)/key.pem") == 0o600)
        #expect(try stage.mailcert.mode("\(directory)/fullchain.pem") == 0o644)
        #expect(try stage.read("etc/mailcert/dovecot/\(Self.host)/key.pem") == (try stage.stored("key.pem")))
        let fullchain = try stage.read("etc/mailcert/dovecot/\(Self.host)/fullchain.pem")
        #expect(fullchain == (try stage.stored("fullchain.pem")))
        #expect(stage.reloads() == ["reload dovecot \(Self.host)"])
        #expect(enabled.stdout.contains("dovecot: bound to \(Self.host)"))

        let firstKey = try stage.stored("key.pem")
        try stage.newVersion()
        let again = try stage.enable("dovecot")
        #expect(again.status == 0, "\(again.output)")
        #expect(try stage.read("etc/mailcert/dovecot/\(Self.host)/key.pem") == (try stage.stored("key.pem")))
        #expect(try stage.read("etc/mailcert/dovecot/\(Self.host)/.key.pem.mailcert-previous") == firstKey)
        #expect(try stage.mailcert.mode("\(directory)/.key.pem.mailcert-previous") == 0o600)
        // No temporary file is left next to the files the daemon reads.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(!names.contains { $0.contains(".tmp-") }, "\(names)")
    }

    @Test("dovecot: a failing reload puts the previous files back, reloads again, and enable fails saying so")
    func dovecotRollback() throws {
        let stage = try Stage()
        #expect(try stage.enable("dovecot").status == 0)
        let keyBefore = try stage.read("etc/mailcert/dovecot/\(Self.host)/key.pem")
        let snippetBefore = try stage.read("etc/dovecot/conf.d/99-mailcert.conf")
        try stage.newVersion()
        stage.reload.refuse(true)

        let failed = try stage.enable("dovecot")
        #expect(failed.status == 1, "\(failed.output)")
        #expect(
            failed.stderr.contains("dovecot: the reload (\(stage.hook)) failed with exit status 1"), "\(failed.stderr)")
        #expect(failed.stderr.contains(stage.root.path("etc/mailcert/dovecot/\(Self.host)/key.pem")))
        #expect(failed.stderr.contains("simulated reload failure"))
        #expect(failed.stderr.contains("the previous files are back in place"))
        #expect(failed.stderr.contains("bindings.json was not changed"))
        #expect(try stage.read("etc/mailcert/dovecot/\(Self.host)/key.pem") == keyBefore)
        #expect(try stage.read("etc/dovecot/conf.d/99-mailcert.conf") == snippetBefore)
        #expect(try stage.mailcert.mode(stage.root.path("etc/mailcert/dovecot/\(Self.host)/key.pem")) == 0o600)
        #expect(stage.reloads().count == 3, "the first enable, the failed reload, the reload with the previous files")
    }

    @Test("a first deploy whose reload fails leaves no file behind, and nothing is bound")
    func firstDeployRollback() throws {
        let stage = try Stage()
        stage.reload.refuse(true)
        let failed = try stage.enable("dovecot")
        #expect(failed.status == 1, "\(failed.output)")
        #expect(!FileManager.default.fileExists(atPath: stage.root.path("etc/dovecot/conf.d/99-mailcert.conf")))
        #expect(!FileManager.default.fileExists(atPath: stage.root.path("etc/mailcert/dovecot/\(Self.host)/key.pem")))
        let bindingsFile = "\(stage.mailcert.stateDirectory)/bindings.json"
        let bindings = (try? String(contentsOfFile: bindingsFile, encoding: .utf8)) ?? ""
        #expect(!bindings.contains("dovecot"), "\(bindings)")
    }

    @Test("a snippet mailcert did not write is refused and nothing is changed")
    func foreignSnippet() throws {
        let stage = try Stage()
        let foreign = "ssl_cert = </etc/ssl/admin.pem\n"
        try FileManager.default.createDirectory(
            atPath: stage.root.path("etc/dovecot/conf.d"), withIntermediateDirectories: true)
        _ = try stage.root.write("etc/dovecot/conf.d/99-mailcert.conf", foreign)
        let refused = try stage.enable("dovecot")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("was not written by mailcert"), "\(refused.stderr)")
        #expect(try stage.read("etc/dovecot/conf.d/99-mailcert.conf") == foreign)
        #expect(stage.reloads().isEmpty)
    }

    @Test("exim: macros in conf.d/main/00_mailcert, key 0640 to exim's group (or a note when there is none)")
    func exim() throws {
        let stage = try Stage()
        let enabled = try stage.enable("exim")
        #expect(enabled.status == 0, "\(enabled.output)")
        let directory = stage.root.path("etc/mailcert/exim/\(Self.host)")
        let snippet = try stage.read("etc/exim4/conf.d/main/00_mailcert")
        #expect(snippet.hasPrefix("# Managed by mailcert"))
        #expect(snippet.contains("\nMAIN_TLS_ENABLE = yes\n"))
        #expect(snippet.contains("\nMAIN_TLS_CERTIFICATE = \(directory)/fullchain.pem\n"), "\(snippet)")
        #expect(snippet.contains("\nMAIN_TLS_PRIVATEKEY = \(directory)/key.pem\n"), "\(snippet)")
        #expect(try stage.mailcert.mode("\(directory)/key.pem") == 0o640)
        #expect(try stage.read("etc/mailcert/exim/\(Self.host)/key.pem") == (try stage.stored("key.pem")))
        let group = getgrnam("Debian-exim") ?? getgrnam("exim")
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/key.pem")
        let owner = attributes[.groupOwnerAccountID] as? Int
        if let group {
            #expect(owner == Int(group.pointee.gr_gid))
        } else {
            #expect(enabled.stderr.contains("no Debian-exim or exim group on this host"), "\(enabled.stderr)")
        }
        #expect(stage.reloads() == ["reload exim \(Self.host)"])

        try stage.newVersion()
        stage.reload.refuse(true)
        let failed = try stage.enable("exim")
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("exim: the reload"), "\(failed.stderr)")
        #expect(failed.stderr.contains("the previous files are back in place"))
        #expect(try stage.read("etc/mailcert/exim/\(Self.host)/key.pem") != (try stage.stored("key.pem")))
        #expect(try stage.mailcert.mode("\(directory)/key.pem") == 0o640)
    }
}
