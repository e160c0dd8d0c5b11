import Foundation
import MailcertCheck
import MailcertCrypto
import MailcertDNS
import MailcertTestSupport
import Testing

/// TLSA matching with RFC 7672 semantics; the association data is computed by the openssl command.
@Suite("DANE TLSA checks")
struct DANECheckTests {
    let ca = CheckFixture.ca

    func dane(
        _ leaf: MintedLeaf, _ records: [String], hostnames: [String] = ["mx1.example.test"]
    ) throws -> [String: CheckResult] {
        let results = CertificateChecks.run(
            try CheckFixture.subject(leaf), policy: try CheckFixture.policy(hostnames, tlsa: records))
        return Dictionary(uniqueKeysWithValues: results.map { ($0.check, $0) })
    }

    @Test("3 1 1, 3 0 1 and 3 1 2 records of the leaf match; another key's does not")
    func endEntity() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let spki = try CheckFixture.spkiSHA256(leaf.certificatePath)
        #expect(try dane(leaf, ["3 1 1 \(spki)"])["dane"]?.status == .ok)
        let der = try Subprocess.run(
            "sh", ["-c", "openssl x509 -in '\(leaf.certificatePath)' -outform DER | openssl dgst -sha256 -r"])
        #expect(try dane(leaf, ["3 0 1 \(der.stdout.prefix(64))"])["dane"]?.status == .ok)
        let sha512 = try Subprocess.spkiDigest(leaf.certificatePath, digest: "sha512")
        #expect(try dane(leaf, ["3 1 2 \(sha512)"])["dane"]?.status == .ok)

        let other = try CheckFixture.spkiSHA256(try ca.issue(LeafSpec(["mx1.example.test"])).certificatePath)
        let mismatch = try #require(try dane(leaf, ["3 1 1 \(other)"])["dane"])
        #expect(mismatch.status == .critical)
        #expect(mismatch.reason.contains(spki), "the reason shows the record that would match")
    }

    @Test("DANE-EE ignores names and dates: an expired, misnamed, self-signed leaf with a matching 3 1 1 only warns")
    func endEntityIgnoresPKIX() throws {
        let leaf = try ca.selfSigned(["other.example.test"])
        let spki = try CheckFixture.spkiSHA256(leaf.certificatePath)
        let results = try dane(leaf, ["3 1 1 \(spki)"])
        #expect(results["dane"]?.status == .ok)
        #expect(results["chain"]?.status == .warning)
        #expect(results["names"]?.status == .warning)
    }

    @Test("2 1 1 of the intermediate authenticates a leaf that chains to it and covers the name, and nothing else")
    func trustAnchor() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let intermediate = try CheckFixture.spkiSHA256(ca.directory.path("intermediate.pem"))
        #expect(try dane(leaf, ["2 1 1 \(intermediate)"])["dane"]?.status == .ok)
        let wrongName = try #require(try dane(leaf, ["2 1 1 \(intermediate)"], hostnames: ["mx2.example.test"])["dane"])
        #expect(wrongName.status == .critical)
        #expect(wrongName.reason.contains("does not cover mx2.example.test"))
        // A 2 record never matches the leaf itself.
        let leafAsAnchor = try CheckFixture.spkiSHA256(leaf.certificatePath)
        #expect(try dane(leaf, ["2 1 1 \(leafAsAnchor)"])["dane"]?.status == .critical)
    }

    @Test(
        "malformed records are unusable (a warning), and of two digests only the stronger counts (RFC 7671 section 9)")
    func usability() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let spki = try CheckFixture.spkiSHA256(leaf.certificatePath)
        // `--tlsa` refuses such a record when parsing it; one from DNS arrives as it is.
        var policy = try CheckFixture.policy(["mx1.example.test"])
        policy.tlsa = [TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 0xAB, count: 20))]
        let short = try #require(CertificateChecks.run(try CheckFixture.subject(leaf), policy: policy).last)
        #expect(short.check == "dane" && short.status == .warning, "a 20-byte SHA-256 is no SHA-256: \(short.reason)")
        #expect(try dane(leaf, ["3 2 1 \(spki)"])["dane"]?.status == .warning)
        let goodSHA512 = try Subprocess.spkiDigest(leaf.certificatePath, digest: "sha512")
        let wrongSHA512 = String(repeating: "AB", count: 64)
        #expect(try dane(leaf, ["3 1 1 0000\(spki.dropFirst(4))", "3 1 2 \(goodSHA512)"])["dane"]?.status == .ok)
        #expect(
            try dane(leaf, ["3 1 1 \(spki)", "3 1 2 \(wrongSHA512)"])["dane"]?.status == .critical,
            "the matching SHA-256 record is ignored beside a SHA-512 one")
    }

    @Test("PKIX usages 0 and 1 are unusable for SMTP: a warning, never a match")
    func pkixUsages() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let spki = try CheckFixture.spkiSHA256(leaf.certificatePath)
        let result = try #require(try dane(leaf, ["1 1 1 \(spki)"])["dane"])
        #expect(result.status == .warning)
        #expect(result.reason.contains("RFC 7672"))
    }
}
