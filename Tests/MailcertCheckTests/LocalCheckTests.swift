import Foundation
import MailcertCheck
import MailcertCrypto
import MailcertTestSupport
import Testing

/// The checks on certificates minted by the openssl command, with `openssl verify` as the oracle where it applies.
@Suite("Local checks")
struct LocalCheckTests {
    let ca = CheckFixture.ca

    @Test("a good certificate with its chain passes every check, as openssl verify agrees")
    func good() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test", "mail.example.test"]))
        let results = CertificateChecks.run(
            try CheckFixture.subject(leaf), policy: try CheckFixture.policy(["mx1.example.test", "MAIL.example.test."]))
        #expect(results.map(\.check) == ["chain", "key", "validity", "names", "serverAuth", "clientAuth", "strength"])
        #expect(results.allSatisfy { $0.status == .ok }, "\(results)")
        #expect(try CheckFixture.opensslVerifies(leaf, hostname: "mx1.example.test"))
    }

    @Test("without its intermediate the chain fails and the reason says so; openssl verify agrees")
    func missingIntermediate() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let results = CertificateChecks.run(
            try CheckFixture.subject(leaf, withChain: false), policy: try CheckFixture.policy(["mx1.example.test"]))
        let chain = try #require(results.first { $0.check == "chain" })
        #expect(chain.status == .critical)
        #expect(chain.reason.contains("lacks its intermediate"))
        #expect(try !CheckFixture.opensslVerifies(leaf, hostname: "mx1.example.test", withChain: false))
    }

    @Test("a name the certificate does not carry is CRITICAL, listing the names it has; openssl verify agrees")
    func wrongName() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let results = CertificateChecks.run(
            try CheckFixture.subject(leaf), policy: try CheckFixture.policy(["mx1.example.test", "mx2.example.test"]))
        let names = try #require(results.first { $0.check == "names" })
        #expect(names.status == .critical)
        #expect(names.reason.contains("does not cover mx2.example.test"))
        #expect(names.reason.contains("names mx1.example.test"))
        #expect(try !CheckFixture.opensslVerifies(leaf, hostname: "mx2.example.test"))
    }

    @Test("a hostname only in the common name is not covered (RFC 9525), unlike openssl verify's legacy fallback")
    func commonNameOnly() throws {
        let leaf = try ca.issue(LeafSpec([], commonName: "mx1.example.test"))
        let results = CertificateChecks.run(
            try CheckFixture.subject(leaf), policy: try CheckFixture.policy(["mx1.example.test"]))
        let names = try #require(results.first { $0.check == "names" })
        #expect(names.status == .critical)
        #expect(names.reason.contains("only the subject common name"))
        // OpenSSL still falls back to the CN when there is no DNS SAN: this is where mailcert is deliberately stricter.
        #expect(try CheckFixture.opensslVerifies(leaf, hostname: "mx1.example.test"))
    }

    @Test("a wildcard covers one label, never two and never the bare domain")
    func wildcard() throws {
        let leaf = try ca.issue(LeafSpec(["*.example.test"]))
        let subject = try CheckFixture.subject(leaf)
        let one = CheckFixture.verdicts(
            CertificateChecks.run(subject, policy: try CheckFixture.policy(["mx1.example.test"])))
        let two = CheckFixture.verdicts(
            CertificateChecks.run(subject, policy: try CheckFixture.policy(["a.mx1.example.test"])))
        let bare = CheckFixture.verdicts(
            CertificateChecks.run(subject, policy: try CheckFixture.policy(["example.test"])))
        #expect(one["names"] == .ok)
        #expect(two["names"] == .critical)
        #expect(bare["names"] == .critical)
        #expect(try CheckFixture.opensslVerifies(leaf, hostname: "mx1.example.test"))
        #expect(try !CheckFixture.opensslVerifies(leaf, hostname: "a.mx1.example.test"))
    }

    @Test("days left against the margins, at an injected moment")
    func margins() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let subject = try CheckFixture.subject(leaf)
        let notAfter = subject.leaf.notValidAfter
        func validity(daysBefore days: Double) throws -> CheckResult {
            let now = notAfter.addingTimeInterval(-days * 86_400)
            return try #require(
                CertificateChecks.run(subject, policy: try CheckFixture.policy([], now: now)).first {
                    $0.check == "validity"
                })
        }
        #expect(try validity(daysBefore: 40).status == .ok)
        #expect(try validity(daysBefore: 19.5).status == .warning)
        #expect(try validity(daysBefore: 19.5).reason.contains("19 days left"))
        #expect(try validity(daysBefore: 6.5).status == .critical)
        let expired = try validity(daysBefore: -3)
        #expect(expired.status == .critical)
        #expect(expired.reason.contains("expired on") && expired.reason.contains("3 days ago"))
        let early = try #require(
            CertificateChecks.run(
                subject, policy: try CheckFixture.policy([], now: subject.leaf.notValidBefore.addingTimeInterval(-60))
            )
            .first { $0.check == "validity" })
        #expect(early.status == .critical && early.reason.contains("not valid yet"))
    }

    @Test("an expired certificate: validity is CRITICAL, the chain itself still builds; openssl verify refuses it")
    func expired() throws {
        let leaf = try ca.issue(
            LeafSpec(["mx1.example.test"], notBefore: "20200101000000Z", notAfter: "20200401000000Z"))
        let verdicts = CheckFixture.verdicts(
            CertificateChecks.run(try CheckFixture.subject(leaf), policy: try CheckFixture.policy(["mx1.example.test"]))
        )
        #expect(verdicts["validity"] == .critical)
        #expect(verdicts["chain"] == .ok)
        #expect(try !CheckFixture.opensslVerifies(leaf, hostname: "mx1.example.test"))
    }

    @Test("self-signed, weak key, SHA-1 signature, no serverAuth, a foreign key: each named by its check")
    func flaws() throws {
        let selfSigned = CheckFixture.verdicts(
            CertificateChecks.run(
                try CheckFixture.subject(try ca.selfSigned(["mx1.example.test"])),
                policy: try CheckFixture.policy(["mx1.example.test"])))
        #expect(selfSigned["chain"] == .critical)

        let weak = try ca.issue(LeafSpec(["mx1.example.test"], key: "rsa:1024"))
        let weakResults = CertificateChecks.run(try CheckFixture.subject(weak), policy: try CheckFixture.policy([]))
        #expect(weakResults.first { $0.check == "strength" }?.reason.contains("RSA 1024") == true)

        let sha1 = try ca.issue(LeafSpec(["mx1.example.test"], digest: "sha1"))
        let sha1Results = CertificateChecks.run(try CheckFixture.subject(sha1), policy: try CheckFixture.policy([]))
        #expect(sha1Results.first { $0.check == "strength" }?.status == .critical)
        #expect(sha1Results.first { $0.check == "strength" }?.reason.contains("sha1WithRSAEncryption") == true)

        let client = try ca.issue(LeafSpec(["mx1.example.test"], extendedKeyUsage: "clientAuth"))
        #expect(
            CheckFixture.verdicts(
                CertificateChecks.run(try CheckFixture.subject(client), policy: try CheckFixture.policy([])))[
                    "serverAuth"] == .critical)
        #expect(try !CheckFixture.opensslVerifies(client, hostname: "mx1.example.test"))

        let other = try ca.issue(LeafSpec(["mx1.example.test"]))
        let mismatched = CertificateUnderCheck(
            leaf: try CheckFixture.subject(other).leaf, intermediates: [], key: try CheckFixture.subject(weak).key)
        #expect(
            CheckFixture.verdicts(CertificateChecks.run(mismatched, policy: try CheckFixture.policy([])))["key"]
                == .critical)
    }
}
