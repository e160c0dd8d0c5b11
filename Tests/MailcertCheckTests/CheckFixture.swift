import Foundation
import MailcertCheck
import MailcertCrypto
import MailcertDNS
import MailcertTestSupport

/// One throwaway CA shared by the check tests (making one takes a moment), and helpers around it.
enum CheckFixture {
    static let ca: TestCA = {
        do { return try TestCA(name: "Mailcert Check Test") } catch { fatalError("cannot make the test CA: \(error)") }
    }()

    static func certificates(_ path: String) throws -> [Certificate] {
        try Certificate.parseAll(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// The leaf (and its chain when `withChain`) of a minted certificate, as a check sees it.
    static func subject(_ leaf: MintedLeaf, withChain: Bool = true, key: Bool = true) throws -> CertificateUnderCheck {
        let chain = try certificates(withChain ? leaf.fullchainPath : leaf.certificatePath)
        let privateKey =
            key ? try PrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: leaf.keyPath)))) : nil
        return CertificateUnderCheck(leaf: chain[0], intermediates: Array(chain.dropFirst()), key: privateKey)
    }

    /// A policy trusting the test root (and not the system's, so a test never depends on the machine's roots).
    static func policy(_ hostnames: [String], now: Date = Date(), tlsa: [String] = []) throws -> CheckPolicy {
        let root = try certificates(ca.rootPath)
        return CheckPolicy(
            hostnames: hostnames, trust: try TrustStore(systemRoots: false, additional: root), now: now,
            tlsa: try tlsa.map { try TLSARecord(parsing: $0) })
    }

    /// Status by check name.
    static func verdicts(_ results: [CheckResult]) -> [String: CheckStatus] {
        Dictionary(uniqueKeysWithValues: results.map { ($0.check, $0.status) })
    }

    /// The oracle: SHA-256 of the SubjectPublicKeyInfo, computed by the openssl command.
    static func spkiSHA256(_ certificatePath: String) throws -> String { try Subprocess.spkiDigest(certificatePath) }

    /// The oracle for a whole verdict: `openssl verify` with a hostname, exit 0 or not.
    static func opensslVerifies(_ leaf: MintedLeaf, hostname: String, withChain: Bool = true) throws -> Bool {
        var arguments = ["verify", "-CAfile", ca.rootPath, "-purpose", "sslserver", "-verify_hostname", hostname]
        if withChain { arguments += ["-untrusted", ca.directory.path("intermediate.pem")] }
        return try Subprocess.run("openssl", arguments + [leaf.certificatePath]).status == 0
    }
}
