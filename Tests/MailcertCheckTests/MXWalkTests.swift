import Foundation
import MailcertTestSupport
import Testing

/// `mailcert check --domain` against Debian's dnsmasq for DNS and aiosmtpd for the MX hosts.
@Suite("MX walk")
struct MXWalkTests {
    let ca = CheckFixture.ca

    @Test("every MX host is checked against its own name: one good, one misnamed, one without address; TLSA from DNS")
    func walk() throws {
        let good = try ca.issue(LeafSpec(["mx1.example.test"]))
        let misnamed = try ca.issue(LeafSpec(["elsewhere.example.test"]))
        let (first, port) = try TestMailServer.aiosmtpd(certificate: good.fullchainPath, key: good.keyPath)
        defer { first.stop() }
        let (second, _) = try TestMailServer.aiosmtpd(
            certificate: misnamed.fullchainPath, key: misnamed.keyPath, host: "::1", port: port)
        defer { second.stop() }
        let spki = try CheckFixture.spkiSHA256(good.certificatePath)
        let dns = try DnsmasqServer(records: [
            "--mx-host=example.test,mx1.example.test,10",
            "--mx-host=example.test,mx2.example.test,20",
            "--mx-host=example.test,mx3.example.test,30",
            "--host-record=mx1.example.test,127.0.0.1",
            "--host-record=mx2.example.test,::1",
            "--dns-rr=_\(port)._tcp.mx1.example.test,52,030101\(spki)",
        ])
        let mailcert = try MailcertRunner()
        let arguments = [
            "check", "--domain", "example.test", "--resolver", dns.address, "--port", String(port),
            "--ca-bundle", ca.rootPath, "--timeout", "3",
        ]
        let text = try mailcert.run(arguments)
        #expect(text.status == 2, "\(text.output)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(text.stdout)")
        #expect(lines[0].hasPrefix("OK       MX 10 mx1.example.test 127.0.0.1: TLSv1.3"), "\(text.stdout)")
        #expect(lines[1].hasPrefix("CRITICAL MX 20 mx2.example.test ::1: names: does not cover mx2.example.test"))
        #expect(lines[2].hasPrefix("UNKNOWN  MX 30 mx3.example.test -:"))
        #expect(lines[3] == "CRITICAL: example.test: 3 MX host(s), 3 address(es): 1 OK, 1 CRITICAL, 1 UNKNOWN")

        let json = try mailcert.run(arguments + ["--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        let mx1 = try #require((hosts[0]["report"] as? [String: Any])?["results"] as? [[String: Any]])
        let dane = mx1.first { $0["check"] as? String == "dane" }
        #expect(dane?["status"] as? String == "OK", "the TLSA record from DNS matches mx1's key: \(mx1)")
    }

    @Test("a null MX, and a domain nobody knows")
    func nullAndUnknown() throws {
        let dns = try DnsmasqServer(records: ["--mx-host=null.test,.,0"])
        let null = try MailcertRunner().run(["check", "--domain", "null.test", "--resolver", dns.address])
        #expect(null.status == 0, "\(null.output)")
        #expect(null.stdout.contains("null MX (RFC 7505): it accepts no mail"))
        let unknown = try MailcertRunner().run(["check", "--domain", "nowhere.test", "--resolver", dns.address])
        #expect(unknown.status == 3, "\(unknown.output)")
        #expect(unknown.stdout.contains("NXDOMAIN"), "\(unknown.output)")
    }
}
