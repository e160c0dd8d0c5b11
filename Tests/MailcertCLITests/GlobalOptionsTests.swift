import Foundation
import MailcertTestSupport
import Testing

/// Global options go before or after the subcommand, as DESIGN.md promises.
@Suite struct GlobalOptionsTests {
    @Test("--state-dir before the subcommand works as it does after it, for nested subcommands too")
    func stateDirectoryBeforeTheSubcommand() throws {
        let mailcert = try MailcertRunner()
        let other = mailcert.state.path("other-state")
        let made = try mailcert.run(["--state-dir", other, "request", "-d", "mx1.example.test", "--self-signed"])
        #expect(made.status == 0, "\(made.output)")
        #expect(FileManager.default.fileExists(atPath: "\(other)/certs/mx1.example.test/current/cert.pem"))
        #expect(!FileManager.default.fileExists(atPath: mailcert.stateDirectory), "MAILCERT_STATE_DIR was not used")

        let before = try mailcert.run(["--state-dir=\(other)", "list", "--json"])
        let after = try mailcert.run(["list", "--json", "--state-dir", other])
        #expect(before.status == 0 && before.stdout == after.stdout)
        #expect(before.stdout.contains("mx1.example.test"))

        let root = mailcert.state.path("root")
        let removed = try mailcert.run(["--state-dir", other, "timer", "remove", "--root", root])
        #expect(removed.status == 0, "\(removed.output)")
    }

    @Test("without the option the old usage errors stay: an unknown option before the subcommand is refused")
    func unknownOptionBeforeTheSubcommand() throws {
        let result = try MailcertRunner().run(["--state-directory", "/tmp", "list"])
        #expect(result.status == 64)
    }
}
