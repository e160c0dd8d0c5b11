import MailcertTestSupport
import Testing

@Suite("Help and version")
struct HelpTextTests {
    @Test("the root help lists every command")
    func rootHelp() throws {
        let result = try MailcertRunner().run(["--help"])
        #expect(result.status == 0)
        for command in ["request", "import", "export", "list"] { #expect(result.stdout.contains(command)) }
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

    @Test("--version names the OpenSSL it runs on")
    func version() throws {
        let result = try MailcertRunner().run(["--version"])
        #expect(result.stdout.hasPrefix("mailcert 0."))
        #expect(result.stdout.contains("OpenSSL 3"))
    }
}
