import Foundation
import MailcertTestSupport
import Testing

/// `mailcert check --connect` against Debian's aiosmtpd (STARTTLS) and `openssl s_server` (implicit TLS), with
/// `openssl s_client` as the oracle for every verdict.
@Suite("Remote checks against real servers")
struct RemoteCheckTests {
    let ca = CheckFixture.ca

    /// What the server serves and which hostname is asked for.
    enum Served: String, CaseIterable, Sendable {
        case good, missingIntermediate, wrongName, expired, wildcard, selfSigned
    }

    func mint(_ served: Served) throws -> (certificate: String, key: String) {
        switch served {
        case .good, .wrongName:
            let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
            return (leaf.fullchainPath, leaf.keyPath)
        case .missingIntermediate:
            let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
            return (leaf.certificatePath, leaf.keyPath)
        case .expired:
            let leaf = try ca.issue(
                LeafSpec(["mx1.example.test"], notBefore: "20200101000000Z", notAfter: "20200401000000Z"))
            return (leaf.fullchainPath, leaf.keyPath)
        case .wildcard:
            let leaf = try ca.issue(LeafSpec(["*.example.test"]))
            return (leaf.fullchainPath, leaf.keyPath)
        case .selfSigned:
            let leaf = try ca.selfSigned(["mx1.example.test"])
            return (leaf.certificatePath, leaf.keyPath)
        }
    }

    @Test("the verdict on what aiosmtpd serves after STARTTLS agrees with openssl s_client", arguments: Served.allCases)
    func starttls(served: Served) throws {
        let (certificate, key) = try mint(served)
        let (server, port) = try TestMailServer.aiosmtpd(certificate: certificate, key: key)
        defer { server.stop() }
        let hostname = served == .wrongName ? "mx2.example.test" : "mx1.example.test"
        let mailcert = try MailcertRunner()
        let result = try mailcert.run([
            "check", "--connect", "127.0.0.1:\(port)", "--hostname", hostname, "--ca-bundle", ca.rootPath, "--json",
        ])
        let oracle = try Subprocess.run(
            "openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-starttls", "smtp", "-verify_hostname", hostname,
                "-verify_return_error", "-CAfile", ca.rootPath, "-brief",
            ])
        #expect((result.status == 0) == (oracle.status == 0), "mailcert: \(result.output)\noracle: \(oracle.output)")
        #expect(result.status == (served == .good || served == .wildcard ? 0 : 2), "\(result.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let checks = try #require(report["results"] as? [[String: Any]])
        let status = Dictionary(
            uniqueKeysWithValues: checks.map { ($0["check"] as? String ?? "", $0["status"] as? String ?? "") })
        let expectedFailure: String? =
            switch served {
            case .good, .wildcard: nil
            case .missingIntermediate, .selfSigned: "chain"
            case .wrongName: "names"
            case .expired: "validity"
            }
        for (check, value) in status where check != expectedFailure {
            #expect(value == "OK", "\(check): \(result.stdout)")
        }
        if let expectedFailure { #expect(status[expectedFailure] == "CRITICAL") }
        let servedInfo = try #require(report["served"] as? [String: Any])
        #expect(servedInfo["protocolVersion"] as? String == "TLSv1.3")
        #expect(
            (servedInfo["chain"] as? [Any])?.count == (served == .missingIntermediate || served == .selfSigned ? 1 : 2))
    }

    @Test("implicit TLS (--starttls none) against openssl s_server, text output names the served chain")
    func implicitTLS() throws {
        let leaf = try ca.issue(LeafSpec(["submit.example.test"]))
        let (server, port) = try TestMailServer.implicitTLS(
            certificate: leaf.certificatePath, key: leaf.keyPath, chain: ca.directory.path("intermediate.pem"))
        defer { server.stop() }
        let result = try MailcertRunner().run([
            "check", "--connect", "127.0.0.1:\(port)", "--starttls", "none", "--hostname", "submit.example.test",
            "--ca-bundle", ca.rootPath,
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.hasPrefix("OK: 127.0.0.1:\(port)"))
        #expect(result.stdout.contains("implicit TLS"))
        #expect(result.stdout.contains("0: CN=submit.example.test"))
        #expect(result.stdout.contains("Mailcert Check Test Intermediate"))
    }

    @Test("DANE verdicts against aiosmtpd agree with openssl s_client -dane_tlsa_rrdata")
    func dane() throws {
        let selfSigned = try ca.selfSigned(["mx1.example.test"])
        let issued = try ca.issue(LeafSpec(["mx1.example.test"]))
        let intermediate = try CheckFixture.spkiSHA256(ca.directory.path("intermediate.pem"))
        let cases: [(MintedLeaf, String, String, Bool)] = [
            (
                selfSigned, "3 1 1 \(try CheckFixture.spkiSHA256(selfSigned.certificatePath))", "other.example.test",
                true
            ),
            (selfSigned, "3 1 1 \(try CheckFixture.spkiSHA256(issued.certificatePath))", "mx1.example.test", false),
            (issued, "2 1 1 \(intermediate)", "mx1.example.test", true),
            (issued, "2 1 1 \(intermediate)", "mx9.example.test", false),
        ]
        for (leaf, record, hostname, expected) in cases {
            let (server, port) = try TestMailServer.aiosmtpd(certificate: leaf.fullchainPath, key: leaf.keyPath)
            defer { server.stop() }
            let result = try MailcertRunner().run([
                "check", "--connect", "127.0.0.1:\(port)", "--hostname", hostname, "--tlsa", record, "--json",
            ])
            let oracle = try Subprocess.run(
                "openssl",
                [
                    "s_client", "-connect", "127.0.0.1:\(port)", "-starttls", "smtp", "-dane_tlsa_domain", hostname,
                    "-dane_tlsa_rrdata", record, "-dane_ee_no_namechecks", "-verify_return_error", "-brief",
                ])
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let dane = (report["results"] as? [[String: Any]])?.first { $0["check"] as? String == "dane" }
            #expect((dane?["status"] as? String == "OK") == expected, "\(record) for \(hostname): \(result.stdout)")
            #expect((oracle.status == 0) == expected, "oracle for \(record) \(hostname): \(oracle.output)")
        }
    }

    @Test("nothing listening is UNKNOWN (exit 3) and says where it tried")
    func unreachable() throws {
        let port = FreePort.pick()
        let result = try MailcertRunner().run(["check", "--connect", "127.0.0.1:\(port)", "--timeout", "2"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("UNKNOWN: 127.0.0.1:\(port): connect: cannot connect to 127.0.0.1"))
        #expect(result.stdout.contains("Connection refused"))
    }
}
