import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Certificate signing requests")
struct CertificateSigningRequestTests {
    @Test("the CSR verifies, names every host as a SAN, the first as CN, signed with SHA-256", arguments: [KeyType.ecdsaP256, .rsa3072])
    func content(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let csr = try CertificateSigningRequest(key: key, hostnames: ["mx1.example.com", "*.mail.example.com"])
        let result = try Subprocess.openssl(["req", "-verify", "-noout", "-text"], stdin: Data(csr.pem.utf8))
        #expect(result.output.contains("verify OK"))
        #expect(result.stdout.contains("Subject: CN = mx1.example.com"))
        #expect(result.stdout.contains("DNS:mx1.example.com, DNS:*.mail.example.com"))
        #expect(result.stdout.contains(type.isRSA ? "sha256WithRSAEncryption" : "ecdsa-with-SHA256"))
        // The CSR carries the key's public half.
        let pub = try Subprocess.openssl(["req", "-pubkey", "-noout"], stdin: Data(csr.pem.utf8)).stdout
        let der = try PEM.blocks(in: Array(pub.utf8)).first!.der
        #expect(der == (try key.publicKeyDER()))
    }
}
