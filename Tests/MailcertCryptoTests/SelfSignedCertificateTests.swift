import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Self-signed certificates")
struct SelfSignedCertificateTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the profile is a server leaf, as openssl x509 -text shows it", arguments: [KeyType.ecdsaP256, .rsa2048])
    func profile(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let certificate = try SelfSignedCertificate.make(
            key: key, hostnames: ["mx1.example.com", "mail.example.com"], notBefore: now, days: 30)
        let text = try Subprocess.openssl(["x509", "-noout", "-text"], stdin: Data(certificate.pem.utf8)).stdout
        #expect(text.contains("Version: 3 (0x2)"))
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("DNS:mx1.example.com, DNS:mail.example.com"))
        #expect(text.contains("X509v3 Subject Key Identifier"))
        #expect(text.contains("X509v3 Authority Key Identifier"))
        #expect(text.contains("Subject: CN = mx1.example.com"))
        #expect(text.contains("sha256WithRSAEncryption") || text.contains("ecdsa-with-SHA256"))
        if type.isRSA {
            #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"))
        } else {
            #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature\n"))
        }
        #expect(certificate.notValidBefore == now)
        #expect(certificate.notValidAfter == now.addingTimeInterval(30 * 86_400))
        #expect(certificate.dnsNames == ["mx1.example.com", "mail.example.com"])
        #expect(certificate.isSelfSigned)
        #expect(certificate.matches(key))
    }

    @Test("openssl verify accepts it for the sslserver purpose, trusting itself")
    func verifiesAsServer() throws {
        let key = try PrivateKey.generate(.ecdsaP384)
        let certificate = try SelfSignedCertificate.make(key: key, hostnames: ["mx.example.org"], notBefore: Date(), days: 2)
        let dir = try TemporaryDirectory()
        let path = try dir.write("cert.pem", certificate.pem)
        let result = try Subprocess.openssl(["verify", "-purpose", "sslserver", "-CAfile", path, path])
        #expect(result.stdout.contains("\(path): OK"))
    }

    @Test("serials are random 128-bit numbers")
    func randomSerials() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let serials = try (0..<8).map { _ in
            try SelfSignedCertificate.make(key: key, hostnames: ["a.example"], notBefore: now, days: 1).serialNumber
        }
        #expect(Set(serials).count == serials.count)
        #expect(serials.allSatisfy { $0.count == 32 })
    }

    @Test("a first hostname over 64 characters is left out of the CN and kept in the SAN")
    func longHostname() throws {
        let long = String(repeating: "a", count: 60) + ".example.com"
        let certificate = try SelfSignedCertificate.make(
            key: try PrivateKey.generate(.ecdsaP256), hostnames: [long], notBefore: now, days: 1)
        #expect(certificate.commonName == nil)
        #expect(certificate.dnsNames == [long])
    }
}
