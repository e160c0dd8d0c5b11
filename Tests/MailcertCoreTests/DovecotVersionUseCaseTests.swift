import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

/// `enable --service dovecot` writes the setting names of the Dovecot it finds (`dovecot --version`, scripted
/// here). Dovecot 2.4 is not packaged for Debian 12, so its snippet is tested at the file level only, against the
/// names 2.4's documentation gives (ssl_server_cert_file, ssl_server_key_file: plain paths, no '<'); a real 2.3
/// is tested end to end in MailcertCLITests/DovecotDeployTests. Needs a dovecot binary to be asked at all.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/dovecot")))
struct DovecotVersionUseCaseTests: UseCaseSuite {
    let world = UseCaseWorld()

    func enable(_ root: TemporaryDirectory) throws -> Enable {
        try issue()
        var enable = Enable(certificate: .name("mx1"), services: [.dovecot])
        enable.prove = false
        enable.deploySettings[.dovecot] = staged(.dovecot, root: root, config: "dovecot")
        return enable
    }

    @Test func dovecot24GetsTheServerFileSettings() throws {
        let root = try TemporaryDirectory("mailcert-dovecot24")
        runner.version(of: "dovecot", "2.4.1 (7b0c2c8c1b)")
        _ = try enable(root).run(store: store, steps: steps, now: now, progress: .silent)
        let snippet = try String(contentsOfFile: root.path("etc/dovecot/conf.d/99-mailcert.conf"), encoding: .utf8)
        let directory = root.path("etc/mailcert/dovecot/mx1")
        #expect(snippet.contains("\nssl_server_cert_file = \(directory)/fullchain.pem\n"), "\(snippet)")
        #expect(snippet.contains("\nssl_server_key_file = \(directory)/key.pem\n"), "\(snippet)")
        #expect(!snippet.contains("\nssl_cert") && !snippet.contains("\nssl_key") && !snippet.contains("= <"))
        #expect(runner.queries.map(\.arguments) == [["--version"]])
        #expect(runner.calls.map(\.executable) == ["/reload-dovecot"])
    }

    @Test func dovecot23KeepsSslCert() throws {
        let root = try TemporaryDirectory("mailcert-dovecot23")
        _ = try enable(root).run(store: store, steps: steps, now: now, progress: .silent)
        let snippet = try String(contentsOfFile: root.path("etc/dovecot/conf.d/99-mailcert.conf"), encoding: .utf8)
        #expect(snippet.contains("\nssl_cert = <\(root.path("etc/mailcert/dovecot/mx1"))/fullchain.pem\n"))
        #expect(!snippet.contains("ssl_server_cert_file"))
    }

    @Test func anUnknownVersionIsRefusedAndNothingIsDeployed() throws {
        let root = try TemporaryDirectory("mailcert-dovecot3")
        runner.version(of: "dovecot", "3.0.0 (0123456789)")
        let enable = try enable(root)
        let error = #expect(throws: MailcertError.self) {
            try enable.run(store: store, steps: steps, now: now, progress: .silent)
        }
        #expect(error?.message.contains("answered '3.0.0 (0123456789)'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("nothing was deployed") == true)
        #expect(!FileManager.default.fileExists(atPath: root.path("etc/dovecot/conf.d/99-mailcert.conf")))
        #expect(!FileManager.default.fileExists(atPath: root.path("etc/mailcert/dovecot/mx1/key.pem")))
        #expect(runner.calls.isEmpty, "no reload")
        #expect(try store.bindings().services.isEmpty)
    }
}
