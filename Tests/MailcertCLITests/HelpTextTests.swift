import MailcertTestSupport
import Testing

@Suite("Help and version")
struct HelpTextTests {
    @Test("the root help lists every command")
    func rootHelp() throws {
        let result = try MailcertRunner().run(["--help"])
        #expect(result.status == 0)
        for command in ["request", "import", "export", "list", "check", "tlsa", "timer"] { #expect(result.stdout.contains(command)) }
        #expect(result.stdout.contains("MAILCERT_STATE_DIR"))
    }

    @Test("request --help explains both modes, the key types and the fallback rule")
    func requestHelp() throws {
        let result = try MailcertRunner().run(["request", "--help"])
        #expect(result.status == 0)
        // The help is wrapped to the terminal width: compare with runs of white space folded.
        let text = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("--self-signed"))
        #expect(text.contains("--csr-out <file>"))
        #expect(text.contains("values: ecdsa-p256, ecdsa-p384, rsa2048, rsa3072, rsa4096"))
        #expect(text.contains("a fallback never replaces one (--force overrides)"))
        #expect(text.contains("run 'mailcert import --name NAME CERT'"))
    }

    @Test("timer install --help says how late a due certificate can be renewed, against a 160-hour certificate")
    func timerHelp() throws {
        let result = try MailcertRunner().run(["timer", "install", "--help"])
        let text = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("every 6 hours with RandomizedDelaySec=1h"))
        #expect(text.contains("at worst about 7 hours late"))
        #expect(text.contains("160-hour certificate"))
    }

    @Test("check --help names every check, the protocol per port and the monitoring exit codes")
    func checkHelp() throws {
        let result = try MailcertRunner().run(["check", "--help"])
        #expect(result.status == 0)
        let text = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for check in [
            "chain", "key", "validity", "names", "serverAuth", "clientAuth", "strength", "dane", "starttls", "protocol",
        ] {
            #expect(text.contains("\(check) ("), "check \(check) is explained")
        }
        #expect(text.contains("values: smtp, imap, pop3, none"))
        #expect(text.contains("0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"))
    }

    @Test("--version names the OpenSSL it runs on")
    func version() throws {
        let result = try MailcertRunner().run(["--version"])
        #expect(result.stdout.hasPrefix("mailcert 0."))
        #expect(result.stdout.contains("OpenSSL 3"))
    }
}
