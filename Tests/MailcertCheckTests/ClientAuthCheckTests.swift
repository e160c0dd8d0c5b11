import Foundation
import MailcertCheck
import MailcertCrypto
import MailcertTestSupport
import Testing

/// `allowsClientAuth` and the informational clientAuth check, on leaves minted by the openssl command, whose
/// `x509 -purpose` ("SSL client : Yes/No") is the oracle.
@Suite("clientAuth")
struct ClientAuthCheckTests {
    let ca = CheckFixture.ca

    @Test(
        "clientAuth is allowed by no EKU, clientAuth or anyExtendedKeyUsage, not by serverAuth alone; openssl agrees",
        arguments: [
            ("serverAuth", false), ("serverAuth,clientAuth", true), ("", true),
            ("serverAuth,anyExtendedKeyUsage", true),
        ])
    func allows(usage: String, expected: Bool) throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"], extendedKeyUsage: usage))
        let certificate = try #require(CheckFixture.certificates(leaf.certificatePath).first)
        #expect(certificate.allowsClientAuth == expected)
        guard !usage.contains("anyExtendedKeyUsage") else {
            // OpenSSL's purpose check ignores anyExtendedKeyUsage, which RFC 5280 section 4.2.1.12 lets stand for
            // any purpose: the oracle is then the extension as openssl prints it.
            let ext = try Subprocess.openssl(
                ["x509", "-in", leaf.certificatePath, "-noout", "-ext", "extendedKeyUsage"])
            #expect(ext.stdout.contains("Any Extended Key Usage"), "\(ext.stdout)")
            return
        }
        let purposes = try Subprocess.openssl(["x509", "-in", leaf.certificatePath, "-noout", "-purpose"]).stdout
        #expect(purposes.contains("SSL client : \(expected ? "Yes" : "No")"), "\(purposes)")
    }

    @Test("a serverAuth-only certificate gets an OK clientAuth line saying it is not a client certificate")
    func informational() throws {
        let serverOnly = try ca.issue(LeafSpec(["mx1.example.test"]))
        let results = CertificateChecks.run(
            try CheckFixture.subject(serverOnly), policy: try CheckFixture.policy(["mx1.example.test"]))
        let line = try #require(results.first { $0.check == "clientAuth" })
        #expect(line.status == .ok)
        #expect(line.reason == "serverAuth only: not usable as a TLS client certificate")
        #expect(CheckStatus.worst(results.map(\.status)) == .ok)

        let both = try ca.issue(LeafSpec(["mx1.example.test"], extendedKeyUsage: "serverAuth,clientAuth"))
        let bothLine = CertificateChecks.run(try CheckFixture.subject(both), policy: try CheckFixture.policy([]))
            .first { $0.check == "clientAuth" }
        #expect(bothLine?.status == .ok)
        #expect(bothLine?.reason.contains("usable as a TLS client certificate") == true)
        #expect(bothLine?.reason.contains("not usable") == false)
    }
}
