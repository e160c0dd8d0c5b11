import Foundation
import MailcertTestSupport
import Testing

@Suite("ACME issuance against Pebble", .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct ACMEIssuanceTests {
    @Test("http-01 with the built-in responder: one name, a chain openssl verifies against Pebble's root")
    func http01Standalone() throws {
        let fixture = try PebbleFixture()
        let result = try fixture.request(["mx1.example.test"], fixture.acme + ["--email", "postmaster@example.test", "--json"])
        #expect(result.status == 0, "\(result.output)\n\(fixture.pebble.log())")
        let entry = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(entry?["status"] as? String == "valid")
        #expect(entry?["source"] as? String == "acme")
        #expect(result.stderr.contains("all 1 name(s) validated"))
        #expect(try fixture.verifyWithOpenSSL("mx1.example.test", hostname: "mx1.example.test").contains("OK"))
        #expect(try fixture.mailcert.mode(fixture.current("mx1.example.test", "key.pem")) == 0o600)
        // The responder stopped with the order.
        #expect(!FreePort.isListening(fixture.pebble.httpPort))
        // The options are kept for renewal; the account for the next order.
        let renewal = try String(contentsOfFile: "\(fixture.stateDirectory)/certs/mx1.example.test/renewal.json", encoding: .utf8)
        #expect(renewal.contains(fixture.pebble.directoryURL))
        let second = try fixture.request(["mx1.example.test"], fixture.acme)
        #expect(second.status == 0, "\(second.output)")
        #expect(!second.stderr.contains("account https"), "the stored account is reused, not registered again")
    }

    @Test("ten names in one order, authorizations solved in parallel")
    func tenNames() throws {
        let fixture = try PebbleFixture()
        let names = (1...10).map { "mx\($0).example.test" }
        let result = try fixture.request(names, fixture.acme, name: "many")
        #expect(result.status == 0, "\(result.output)")
        let sans = try Subprocess.openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", fixture.current("many", "cert.pem")]).stdout
        for name in names { #expect(sans.contains("DNS:\(name)")) }
        #expect(try fixture.verifyWithOpenSSL("many", hostname: "mx10.example.test").contains("OK"))
    }

    @Test("http-01 through a webroot served by another web server; the challenge files are removed afterwards")
    func http01Webroot() throws {
        let fixture = try PebbleFixture()
        let webroot = fixture.mailcert.state.path("www")
        try FileManager.default.createDirectory(atPath: webroot, withIntermediateDirectories: true)
        let server = try BackgroundProcess(
            "python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", webroot, String(fixture.pebble.httpPort)],
            log: fixture.mailcert.state.path("http.log"))
        defer { server.stop() }
        try FreePort.waitUntilListening(fixture.pebble.httpPort)
        let result = try fixture.request(["web.example.test"], fixture.acmeServerOnly + ["--webroot", webroot])
        #expect(result.status == 0, "\(result.output)")
        #expect(server.log().contains("GET /.well-known/acme-challenge/"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: webroot).isEmpty)
    }

    @Test("dns-01 through a hook that publishes the TXT record in challtestsrv, then deletes it")
    func dns01Hook() throws {
        let fixture = try PebbleFixture()
        let hook = try fixture.dnsHook()
        let result = try fixture.request(["*.example.test", "example.test"], fixture.acmeServerOnly + ["--challenge", "dns-01", "--dns-hook", hook])
        #expect(result.status == 0, "\(result.output)")
        let calls = try fixture.mailcert.state.read("dns-hook.log").split(separator: "\n")
        #expect(calls.filter { $0.hasPrefix("add _acme-challenge.example.test ") }.count == 2)
        #expect(calls.filter { $0.hasPrefix("del _acme-challenge.example.test ") }.count == 2)
        #expect(try fixture.verifyWithOpenSSL("wildcard.example.test", hostname: "mx.example.test").contains("OK"))
    }

    @Test("an ACME certificate replaces the self-signed fallback")
    func replacesFallback() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], ["--self-signed"]).status == 0)
        let result = try fixture.request(["mx1.example.test"], fixture.acme)
        #expect(result.status == 0, "\(result.output)")
        let list = try fixture.mailcert.json(["list", "--json"])
        let entry = (list["certificates"] as? [[String: Any]])?.first
        #expect(entry?["status"] as? String == "valid")
        #expect(entry?["version"] as? Int == 2)
    }

    @Test("with half of all nonces rejected (badNonce), every order still succeeds")
    func nonceRejection() throws {
        let fixture = try PebbleFixture(environment: ["PEBBLE_WFE_NONCEREJECT": "50"])
        for round in 1...4 {
            let result = try fixture.request(["n\(round).example.test"], fixture.acme)
            #expect(result.status == 0, "round \(round): \(result.output)")
        }
        #expect(fixture.pebble.log().contains("badNonce") || fixture.pebble.log().contains("nonce"))
    }
}
