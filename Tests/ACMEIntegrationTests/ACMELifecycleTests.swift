import Foundation
import MailcertTestSupport
import Testing

@Suite("ACME lifecycle against Pebble", .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct ACMELifecycleTests {
    private func serial(_ path: String) throws -> String {
        try Subprocess.openssl(["x509", "-noout", "-serial", "-in", path]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
    }

    @Test("renew: not due for a fresh certificate; --force renews with the stored options and a new key")
    func renew() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], fixture.acme).status == 0)
        let notDue = try fixture.mailcert.run(["renew", "--name", "mx1.example.test", "--no-random-sleep"])
        #expect(notDue.status == 0)
        #expect(notDue.stdout.contains("mx1.example.test: not due until"), "\(notDue.output)")
        let metrics = "\(fixture.stateDirectory)/metrics/mailcert.prom"
        let result = #"mailcert_renewal_last_result{name="mx1.example.test",result="#
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains(result + #""not_due"} 1"#))
        let oldKey = try String(contentsOfFile: fixture.current("mx1.example.test", "key.pem"), encoding: .utf8)
        let forced = try fixture.mailcert.run(["renew", "--name", "mx1.example.test", "--force", "--json"])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(forced.stdout.contains("\"renewed\" : true"))
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains(result + #""renewed"} 1"#))
        #expect(try String(contentsOfFile: fixture.current("mx1.example.test", "key.pem"), encoding: .utf8) != oldKey)
        #expect(try fixture.verifyWithOpenSSL("mx1.example.test", hostname: "mx1.example.test").contains("OK"))
    }

    @Test("renew puts the pre-published next key (mailcert tlsa --next) in service, so its TLSA record is right")
    func renewWithNextKey() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], fixture.acme).status == 0)
        let tlsa = try fixture.mailcert.json(["tlsa", "--name", "mx1.example.test", "--next", "--json"])
        let records = try #require(tlsa["records"] as? [[String: Any]])
        let published = try #require(records.first { $0["key"] as? String == "next" }?["data"] as? String)
        let forced = try fixture.mailcert.run(["renew", "--name", "mx1.example.test", "--force"])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(try Subprocess.spkiDigest(fixture.current("mx1.example.test", "cert.pem")) == published)
    }

    @Test("renew of a certificate not obtained over ACME says so")
    func renewSelfSigned() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        let result = try mailcert.run(["renew", "--name", "mx1.example.test", "--force"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("mx1.example.test: failed: certificate 'mx1.example.test' was not obtained over ACME"), "\(result.output)")
    }

    @Test("revoke: Pebble records the certificate as revoked with the reason given")
    func revoke() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], fixture.acme).status == 0)
        let result = try fixture.mailcert.run(["revoke", "--name", "mx1.example.test", "--reason", "keyCompromise"])
        #expect(result.status == 0, "\(result.output)")
        #expect(try fixture.pebble.certificateStatus(serial: serial(fixture.current("mx1.example.test", "cert.pem"))) == "Revoked")
    }

    @Test("account rollover: the CA accepts the new key, and the next order runs on it without a new account")
    func rollover() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], fixture.acme).status == 0)
        let accounts = "\(fixture.stateDirectory)/accounts"
        let keyFile = try #require(FileManager.default.subpaths(atPath: accounts)?.first { $0.hasSuffix("key.pem") })
        let before = try String(contentsOfFile: "\(accounts)/\(keyFile)", encoding: .utf8)
        let result = try fixture.mailcert.run(["account", "rollover", "--server", fixture.pebble.directoryURL, "--ca-bundle", fixture.pebble.caBundle])
        #expect(result.status == 0, "\(result.output)")
        #expect(try String(contentsOfFile: "\(accounts)/\(keyFile)", encoding: .utf8) != before)
        let next = try fixture.request(["mx2.example.test"], fixture.acme)
        #expect(next.status == 0, "\(next.output)")
        #expect(!next.stderr.contains("account https"))
    }

    @Test("External Account Binding: the right key registers, a wrong one is refused with the CA's reason")
    func externalAccountBinding() throws {
        let macKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
        let fixture = try PebbleFixture(eabKeys: ["kid-1": macKey])
        let without = try fixture.request(["mx1.example.test"], fixture.acme)
        #expect(without.status == 1)
        #expect(without.stderr.contains("externalAccountRequired") || without.stderr.contains("External Account Binding"), "\(without.stderr)")
        let wrong = try PebbleFixture(eabKeys: ["kid-1": macKey])
        let refused = try wrong.request(["mx1.example.test"], wrong.acme + ["--eab-kid", "kid-1", "--eab-hmac-key", "AAAA" + macKey.dropFirst(4)])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("unauthorized") || refused.stderr.contains("malformed"), "\(refused.stderr)")
        let ok = try fixture.request(["mx1.example.test"], fixture.acme + ["--eab-kid", "kid-1", "--eab-hmac-key", macKey])
        #expect(ok.status == 0, "\(ok.output)")
    }

    @Test("alternate chains: --preferred-chain picks the chain that ends at the named root")
    func preferredChain() throws {
        let fixture = try PebbleFixture(environment: ["PEBBLE_ALTERNATE_ROOTS": "2"])
        let alternateRoot = try fixture.pebble.rootPEM(1)
        let rootFile = try fixture.mailcert.state.write("alt-root.pem", alternateRoot)
        let rootName = try Subprocess.openssl(["x509", "-noout", "-subject", "-nameopt", "multiline", "-in", rootFile]).stdout
            .split(separator: "\n").first { $0.contains("commonName") }?.split(separator: "=").last?.trimmingCharacters(in: .whitespaces)
        let name = try #require(rootName)
        let result = try fixture.request(["mx1.example.test"], fixture.acme + ["--preferred-chain", name])
        #expect(result.status == 0, "\(result.output)")
        #expect(try fixture.verifyWithOpenSSL("mx1.example.test", hostname: "mx1.example.test", rootIndex: 1).contains("OK"))
        #expect(!(try fixture.verifyWithOpenSSL("mx1.example.test", hostname: "mx1.example.test", rootIndex: 0).contains(": OK")))
    }

    @Test("Pebble killed in the middle of an order: exit 1, the certificate in service untouched, the record deleted")
    func caKilledMidOrder() throws {
        let fixture = try PebbleFixture()
        #expect(try fixture.request(["mx1.example.test"], ["--self-signed"]).status == 0)
        let before = fixture.mailcert.snapshot()
        let log = fixture.mailcert.state.path("killer.log")
        let pid = try #require(fixture.pebble.pebblePID)
        let hook = try fixture.mailcert.state.write("killer.sh", "#!/bin/sh\necho \"$1 $2\" >> \(log)\n[ \"$1\" = add ] && kill -9 \(pid)\nexit 0\n")
        chmod(hook, 0o755)
        let result = try fixture.request(["mx1.example.test"], fixture.acmeServerOnly + ["--challenge", "dns-01", "--dns-hook", hook])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nothing was changed"), "\(result.stderr)")
        #expect(fixture.mailcert.snapshot().filter { !$0.hasPrefix("accounts") } == before.filter { !$0.hasPrefix("accounts") })
        #expect(try fixture.mailcert.state.read("killer.log").contains("del _acme-challenge.mx1.example.test"))
    }
}

@Suite("Renewing many certificates against Pebble", .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct ACMEBatchRenewalTests {
    @Test("renew --force renews every ACME certificate concurrently; one failure leaves its certificate in service and the others go on")
    func batch() throws {
        // Without authorization reuse, every renewal must validate again (so the broken one cannot slip through).
        let fixture = try PebbleFixture(environment: ["PEBBLE_AUTHZREUSE": "0"])
        let names = (1...6).map { "b\($0).example.test" }
        for name in names { #expect(try fixture.request([name], fixture.acme).status == 0) }
        #expect(try fixture.request(["fallback.example.test"], ["--self-signed"]).status == 0)
        // One certificate's renewal options point at a webroot nobody serves: its renewal must fail.
        let broken = "\(fixture.stateDirectory)/certs/b3.example.test/renewal.json"
        var options = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: broken))) as? [String: Any])
        options["webroot"] = fixture.mailcert.state.path("nobody-serves-this")
        options["httpPort"] = nil
        options["httpAddress"] = nil
        try JSONSerialization.data(withJSONObject: options).write(to: URL(fileURLWithPath: broken))

        let result = try fixture.mailcert.run(["renew", "--force", "--concurrency", "3"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("5 renewed, 0 not due, 1 failed"), "\(result.output)")
        #expect(result.stdout.contains("b3.example.test: failed: cannot obtain a certificate for 'b3.example.test'"))
        #expect(!result.stdout.contains("fallback.example.test"), "self-signed certificates are not ACME renewals")
        for name in names {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "\(fixture.stateDirectory)/certs/\(name)/current")
            #expect(target == (name == "b3.example.test" ? "versions/1" : "versions/2"), "\(name)")
        }
        let notDue = try fixture.mailcert.run(["renew", "--no-random-sleep"])
        #expect(notDue.stdout.contains("0 renewed, 6 not due, 0 failed"), "\(notDue.output)")
    }
}
