import Foundation
import MailcertTestSupport
import Testing

/// dns-01 without a hook: mailcert adds the TXT records to a real BIND named with TSIG-signed DNS UPDATEs, Pebble
/// validates them by asking that named, and the records are deleted afterwards.
@Suite(
    "dns-01 over DNS UPDATE against Pebble and BIND named",
    .enabled(if: PebbleServer.shouldRun && NamedServer.shouldRun, "pebble or bind9 is not installed"))
struct DNSUpdateIssuanceTests {
    static let record = "_acme-challenge.example.test"

    func updateFlags(_ named: NamedServer) -> [String] {
        [
            "--challenge", "dns-01", "--dns-update", named.address, "--tsig-key", named.sha256KeyFile,
            "--dns-authoritative", named.address,
        ]
    }

    /// How many times named logged an update of `verb` ("adding", "deleting") at the challenge record.
    static func updates(_ named: NamedServer, _ verb: String) -> Int {
        // named quotes the owner when adding, not when deleting.
        named.log().components(separatedBy: "\n").filter { $0.contains("\(verb) an RR at") && $0.contains(record) }
            .count
    }

    @Test("a wildcard and its base name issue; both TXT records are gone afterwards; renew --force reuses the settings")
    func issueAndRenew() throws {
        let named = try NamedServer()
        // No reuse of valid authorizations: the renewal must solve dns-01 again, with the kept settings.
        let fixture = try PebbleFixture(environment: ["PEBBLE_AUTHZREUSE": "0"], dnsServer: named.address)
        let result = try fixture.request(
            ["*.example.test", "example.test"], fixture.acmeServerOnly + updateFlags(named), name: "wildcard")
        #expect(result.status == 0, "\(result.output)\n\(named.log())")
        #expect(try fixture.verifyWithOpenSSL("wildcard", hostname: "mx.example.test").contains("OK"))
        #expect(try named.dig(Self.record, "TXT") == [])
        #expect(Self.updates(named, "adding") == 2 && Self.updates(named, "deleting") == 2, "\(named.log())")

        let renewal = try String(
            contentsOfFile: "\(fixture.stateDirectory)/certs/wildcard/renewal.json", encoding: .utf8)
        let options = try JSONSerialization.jsonObject(with: Data(renewal.utf8)) as? [String: Any]
        #expect(options?["dnsUpdate"] as? String == named.address)
        #expect(options?["tsigKey"] as? String == named.sha256KeyFile)
        #expect(options?["dnsAuthoritative"] as? [String] == [named.address])
        let secret = try #require(
            try named.directory.read("update-sha256.key").split(separator: "\"").dropFirst(3).first)
        #expect(!renewal.contains(secret))

        let renewed = try fixture.mailcert.run(["renew", "--name", "wildcard", "--force"])
        #expect(renewed.status == 0, "\(renewed.output)\n\(named.log())")
        let list = try fixture.mailcert.json(["list", "--json"])
        #expect((list["certificates"] as? [[String: Any]])?.first?["version"] as? Int == 2)
        #expect(try named.dig(Self.record, "TXT") == [])
        #expect(Self.updates(named, "adding") == 4 && Self.updates(named, "deleting") == 4)
    }

    @Test("a wrong TSIG secret fails before the CA is asked, naming the server, zone and record; nothing stored")
    func wrongKey() throws {
        let named = try NamedServer()
        let fixture = try PebbleFixture(dnsServer: named.address)
        let secret = String(repeating: "QUJD", count: 11)  // base64 of "ABC..."; not the server's secret
        let wrong = try named.directory.write(
            "wrong.key", "key \"\(named.sha256KeyName)\" { algorithm hmac-sha256; secret \"\(secret)\"; };")
        var flags = updateFlags(named)
        flags[flags.firstIndex(of: named.sha256KeyFile)!] = wrong
        let result = try fixture.request(["mx1.example.test"], fixture.acmeServerOnly + flags)
        #expect(result.status == 1, "\(result.output)")
        for part in [
            "BADSIG", named.address, "zone example.test", "_acme-challenge.mx1.example.test", "nothing was changed",
        ] {
            #expect(result.stderr.contains(part), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.current("mx1.example.test", "cert.pem")))
    }

}
