import Foundation
import MailcertTestSupport
import Testing

/// Every failure: exit 1, a message that says what and why, no partial version, the certificate in service untouched.
@Suite("ACME failures against Pebble", .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct ACMEFailureTests {
    @Test("a validation the CA rejects names the host, the challenge and the CA's detail; the fallback stays")
    func validationRejected() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], ["--self-signed"]).status == 0)
        let before = fixture.mailcert.snapshot()
        // A webroot nobody serves: Pebble's connection to the http-01 port is refused.
        let webroot = fixture.mailcert.state.path("www")
        try FileManager.default.createDirectory(atPath: webroot, withIntermediateDirectories: true)
        let result = try fixture.request(["mx1.example.test"], fixture.acmeServerOnly + ["--webroot", webroot])
        #expect(result.status == 1)
        #expect(result.stderr.contains("validation of mx1.example.test (http-01) failed"), "\(result.stderr)")
        #expect(result.stderr.contains("connection"))
        #expect(result.stderr.contains("nothing was changed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: webroot).isEmpty, "challenge files are cleaned up")
        let after = fixture.mailcert.snapshot().filter { !$0.hasPrefix("accounts") }
        #expect(after == before.filter { !$0.hasPrefix("accounts") })
    }

    @Test("a CA whose HTTPS certificate is not trusted: the message says to use --ca-bundle")
    func untrustedCA() throws {
        let fixture = try PebbleFixture()
        let result = try fixture.request(["mx1.example.test"], ["--acme", "--server", fixture.pebble.directoryURL])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--ca-bundle"), "\(result.stderr)")
    }

    @Test("Pebble lists no profiles: 'account profiles' says so, and --profile is refused before any order")
    func noProfiles() throws {
        let fixture = try PebbleFixture()
        let server = ["--server", fixture.pebble.directoryURL, "--ca-bundle", fixture.pebble.caBundle]
        let listed = try fixture.mailcert.run(["account", "profiles"] + server)
        #expect(listed.status == 0 && listed.stdout.contains("lists no certificate profiles"), "\(listed.stderr)")
        let json = try fixture.mailcert.run(["account", "profiles", "--json"] + server)
        #expect(json.stdout.contains(#""profiles" : ["#) || json.stdout.contains(#""profiles": ["#), "\(json.stdout)")
        let result = try fixture.request(["mx1.example.test"], fixture.acmeServerOnly + ["--profile", "shortlived"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("offers no certificate profiles"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was changed"))
        #expect(!fixture.mailcert.snapshot().contains { $0.hasPrefix("certs/") || $0.hasPrefix("accounts/") })
    }

    @Test("an unreachable CA is named, and nothing is stored")
    func unreachableCA() throws {
        let mailcert = try MailcertRunner()
        let port = FreePort.pick()
        let result = try mailcert.run(["request", "-d", "mx1.example.test", "--acme", "--server", "https://127.0.0.1:\(port)/dir"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("127.0.0.1:\(port)"))
        #expect(!mailcert.snapshot().contains { $0.hasPrefix("certs/") })
    }

    @Test("a dns-01 hook that fails stops the order with its output")
    func failingHook() throws {
        let fixture = try PebbleFixture()
        let hook = try fixture.mailcert.state.write("bad-hook.sh", "#!/bin/sh\necho 'no API token for example.test' >&2\nexit 3\n")
        chmod(hook, 0o755)
        let result = try fixture.request(["mx1.example.test"], fixture.acmeServerOnly + ["--challenge", "dns-01", "--dns-hook", hook])
        #expect(result.status == 1)
        #expect(result.stderr.contains("failed with status 3 trying to publish _acme-challenge.mx1.example.test for mx1.example.test: no API token for example.test"), "\(result.stderr)")
    }
}

@Suite("ACME accounts against Pebble", .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct ACMEAccountTests {
    @Test("a failed validation with the built-in responder stops the responder and frees its port")
    func responderStopsOnFailure() throws {
        let fixture = try PebbleFixture()
        let elsewhere = FreePort.pick()  // the responder listens where Pebble does not look
        let result = try fixture.request(["mx1.example.test"], fixture.acmeServerOnly + ["--http-address", "127.0.0.1", "--http-port", String(elsewhere)])
        #expect(result.status == 1)
        #expect(result.stderr.contains("validation of mx1.example.test (http-01) failed"), "\(result.stderr)")
        #expect(!FreePort.isListening(elsewhere))
    }

    @Test("an account key whose record was lost is found at the CA (onlyReturnExisting), not registered twice")
    func accountFoundAgain() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], fixture.acme).status == 0)
        let accounts = "\(fixture.stateDirectory)/accounts"
        let record = try #require(FileManager.default.subpaths(atPath: accounts)?.first { $0.hasSuffix("account.json") })
        let before = try String(contentsOfFile: "\(accounts)/\(record)", encoding: .utf8)
        try FileManager.default.removeItem(atPath: "\(accounts)/\(record)")
        let result = try fixture.request(["mx2.example.test"], fixture.acme)
        #expect(result.status == 0, "\(result.output)")
        let after = try String(contentsOfFile: "\(accounts)/\(record)", encoding: .utf8)
        let url = { (text: String) in text.split(separator: "\n").first { $0.contains("\"url\"") } }
        #expect(url(after) == url(before))
    }
}
