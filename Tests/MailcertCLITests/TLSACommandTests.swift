import Foundation
import MailcertTestSupport
import Testing

/// `mailcert tlsa` and the next key it pre-generates, with the openssl command computing the expected data.
@Suite("TLSA records and the next key")
struct TLSACommandTests {
    @Test("one 3 1 1 line per hostname, equal to the SPKI digest openssl computes; wildcards skipped")
    func current() throws {
        let mailcert = try MailcertRunner()
        let request = try mailcert.run([
            "request", "-d", "mx1.example.test", "-d", "*.example.test", "-d", "mx2.example.test", "--name", "mx",
            "--self-signed",
        ])
        #expect(request.status == 0, "\(request.output)")
        let current = "\(mailcert.stateDirectory)/certs/mx/current/cert.pem"
        let spki = try Subprocess.spkiDigest(current)
        let result = try mailcert.run(["tlsa", "--name", "mx", "--port", "2525"])
        #expect(result.status == 0, "\(result.output)")
        #expect(
            result.stdout == """
                ; mx: current key (ECDSA P-256), in service
                _2525._tcp.mx1.example.test. IN TLSA 3 1 1 \(spki)
                _2525._tcp.mx2.example.test. IN TLSA 3 1 1 \(spki)

                """)
        #expect(result.stderr.contains("skipping *.example.test"))
    }

    @Test("--next creates the next key once; the next request uses it and the store forgets it")
    func next() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        let first = try mailcert.json(["tlsa", "--name", "mx1.example.test", "--next", "--json"])
        let records = try #require(first["records"] as? [[String: Any]])
        let next = try #require(records.first { $0["key"] as? String == "next" }?["data"] as? String)
        let nextKeyFile = "\(mailcert.stateDirectory)/certs/mx1.example.test/next-key.pem"
        #expect(try mailcert.mode(nextKeyFile) == 0o600)

        let again = try mailcert.json(["tlsa", "--name", "mx1.example.test", "--next", "--json"])
        #expect(
            (again["records"] as? [[String: Any]])?.first { $0["key"] as? String == "next" }?["data"] as? String == next
        )

        let replaced = try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed", "--force"])
        #expect(replaced.status == 0, "\(replaced.output)")
        let served = try Subprocess.spkiDigest("\(mailcert.stateDirectory)/certs/mx1.example.test/current/cert.pem")
        #expect(served == next, "the new version carries the key whose record was published")
        #expect(!FileManager.default.fileExists(atPath: nextKeyFile))

        let fresh = try mailcert.json(["tlsa", "--name", "mx1.example.test", "--next", "--json"])
        let freshNext =
            (fresh["records"] as? [[String: Any]])?.first { $0["key"] as? String == "next" }?["data"] as? String
        #expect(freshNext != nil && freshNext != next)
    }

    @Test("with a next key published, asking for another key type is refused and changes nothing")
    func nextKeyConflict() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        #expect(try mailcert.run(["tlsa", "--name", "mx1.example.test", "--next"]).status == 0)
        let before = mailcert.snapshot()
        let refused = try mailcert.run([
            "request", "-d", "mx1.example.test", "--self-signed", "--force", "--key-type", "rsa2048",
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pre-published next key (ECDSA P-256"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was changed"))
        #expect(mailcert.snapshot() == before)
    }

    @Test("a name without a version is an error that names the store and changes nothing")
    func missing() throws {
        let mailcert = try MailcertRunner()
        let result = try mailcert.run(["tlsa", "--name", "nothing.example.test", "--next"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("certificate 'nothing.example.test' has no version in service"))
        #expect(mailcert.snapshot().isEmpty)
    }
}
