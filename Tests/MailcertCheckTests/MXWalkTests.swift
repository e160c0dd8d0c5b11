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
        // The first line is all Nagios reads: the overall verdict, then the days left of each address reached.
        let plugin = try #require(NagiosPluginOutput(text.stdout), "\(text.stdout)")
        #expect(plugin.status == "CRITICAL")
        #expect(plugin.text == "example.test: 3 MX host(s), 3 address(es): 1 OK, 1 CRITICAL, 1 UNKNOWN")
        let perAddress = ["days_left_mx1.example.test_127.0.0.1", "days_left_mx2.example.test_::1"]
        #expect(plugin.perfdata.map(\.label) == ["days_left"] + perAddress, "\(lines[0])")
        #expect(plugin.perfdata.allSatisfy { (88...90).contains($0.value) && $0.warn == "20:" && $0.crit == "7:" })
        #expect(plugin.value("days_left") == perAddress.compactMap(plugin.value).min())
        #expect(lines[1].hasPrefix("OK       MX 10 mx1.example.test 127.0.0.1: TLSv1.3"), "\(text.stdout)")
        #expect(lines[2].hasPrefix("CRITICAL MX 20 mx2.example.test ::1: names: does not cover mx2.example.test"))
        #expect(lines[3].hasPrefix("UNKNOWN  MX 30 mx3.example.test -:"))

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
        // With no host to count, the first line says what the domain itself has, without perfdata.
        #expect(NagiosPluginOutput(null.stdout)?.status == "OK")
        #expect(NagiosPluginOutput(null.stdout)?.text.contains("null MX (RFC 7505)") == true, "\(null.stdout)")
        let nowhere = try #require(NagiosPluginOutput(unknown.stdout), "\(unknown.stdout)")
        #expect(nowhere.status == "UNKNOWN" && nowhere.text.contains("NXDOMAIN") && nowhere.perfdata.isEmpty)
    }

    @Test("check --connect: the first line parses as plugin output with days_left and the thresholds; exit codes agree")
    func connectAsPlugin() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let (server, port) = try TestMailServer.aiosmtpd(certificate: leaf.fullchainPath, key: leaf.keyPath)
        defer { server.stop() }
        let mailcert = try MailcertRunner()
        let arguments = [
            "check", "--connect", "127.0.0.1:\(port)", "--hostname", "mx1.example.test", "--ca-bundle", ca.rootPath,
            "--timeout", "3",
        ]
        let ok = try mailcert.run(arguments)
        #expect(ok.status == 0, "\(ok.output)")
        let good = try #require(NagiosPluginOutput(ok.stdout), "\(ok.stdout)")
        #expect(good.status == "OK" && good.text == "127.0.0.1:\(port)")
        #expect(good.perfdata.map(\.label) == ["days_left"])
        #expect(good.perfdata.first.map { (88...90).contains($0.value) && $0.warn == "20:" && $0.crit == "7:" } == true)
        // The informational clientAuth line is among the details, and OK.
        #expect(ok.stdout.contains("OK       clientAuth"), "\(ok.stdout)")

        let warning = try mailcert.run(arguments + ["--warn-days", "100"])
        #expect(warning.status == 1, "\(warning.output)")
        let warned = try #require(NagiosPluginOutput(warning.stdout), "\(warning.stdout)")
        #expect(warned.status == "WARNING" && warned.text.contains("validity: "))
        #expect(warned.perfdata.first?.warn == "100:")

        let closed = try mailcert.run(["check", "--connect", "127.0.0.1:\(FreePort.pick())", "--timeout", "2"])
        #expect(closed.status == 3, "\(closed.output)")
        let unreachable = try #require(NagiosPluginOutput(closed.stdout), "\(closed.stdout)")
        #expect(unreachable.status == "UNKNOWN" && unreachable.perfdata.isEmpty)

        let usage = try mailcert.run(["check", "--connect", "127.0.0.1:\(port)", "--warn-days", "1"])
        #expect(usage.status == 3, "a usage error is UNKNOWN: \(usage.output)")
    }
}
