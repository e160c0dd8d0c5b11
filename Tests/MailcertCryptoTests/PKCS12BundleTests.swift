import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("PKCS#12 bundles")
struct PKCS12BundleTests {
    @Test("a bundle round-trips and openssl pkcs12 reads it with AES-256 and a SHA-256 MAC")
    func roundTrip() throws {
        let ca = try TestCA()
        let key = try PrivateKey.generate(.ecdsaP256)
        let csr = try CertificateSigningRequest(key: key, hostnames: ["mx1.example.com"])
        let leaf = try Certificate.parseAll(Array(try ca.sign(csrPEM: csr.pem).utf8))[0]
        let intermediate = try Certificate.parseAll(Array(ca.intermediatePEM.utf8))[0]
        let der = try PKCS12Bundle(key: key, certificate: leaf, chain: [intermediate]).der(password: "s3cret", friendlyName: "mx1")

        let back = try PKCS12Bundle(der: der, password: "s3cret")
        #expect(back.certificate == leaf)
        #expect(back.chain == [intermediate])
        #expect(back.certificate.matches(back.key))

        let dir = try TemporaryDirectory()
        let path = try dir.write("b.p12", Data(der))
        let info = try Subprocess.openssl(["pkcs12", "-info", "-noout", "-in", path, "-passin", "pass:s3cret"]).output
        #expect(info.contains("MAC: sha256"))
        #expect(info.contains("AES-256-CBC"))
    }

    @Test("a wrong password is reported as such")
    func wrongPassword() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let leaf = try SelfSignedCertificate.make(key: key, hostnames: ["a.example"], notBefore: .now, days: 1)
        let der = try PKCS12Bundle(key: key, certificate: leaf, chain: []).der(password: "right", friendlyName: nil)
        let error = #expect(throws: CryptoError.self) { try PKCS12Bundle(der: der, password: "wrong") }
        #expect(error?.code == .pkcs12Password)
    }

    @Test("a legacy bundle (RC2/3DES, as older Windows exports) is read through the legacy provider")
    func legacyBundle() throws {
        let dir = try TemporaryDirectory()
        try Subprocess.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.path("k.pem"), "-out", dir.path("c.pem"),
            "-subj", "/CN=legacy.example.com", "-days", "5",
        ])
        try Subprocess.openssl([
            "pkcs12", "-export", "-legacy", "-inkey", dir.path("k.pem"), "-in", dir.path("c.pem"),
            "-out", dir.path("l.p12"), "-passout", "pass:pw",
        ])
        let bundle = try PKCS12Bundle(der: Array(try Data(contentsOf: dir.url.appendingPathComponent("l.p12"))), password: "pw")
        #expect(bundle.certificate.commonName == "legacy.example.com")
        #expect(bundle.key.keyType == .rsa2048)
    }
}
