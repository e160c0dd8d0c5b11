import MailcertCrypto
import Testing
import MailcertTestSupport

@Suite("PEM and DER input")
struct PEMTests {
    static let body = "MAMCAQE="  // DER of SEQUENCE { INTEGER 1 }

    @Test("blocks are found in order, text around them ignored")
    func blocks() throws {
        let text = "Subject: x\n-----BEGIN CERTIFICATE-----\n\(Self.body)\n-----END CERTIFICATE-----\nnoise\n-----BEGIN PRIVATE KEY-----\n\(Self.body)\n-----END PRIVATE KEY-----\n"
        let blocks = try PEM.blocks(in: Array(text.utf8))
        #expect(blocks.map(\.label) == ["CERTIFICATE", "PRIVATE KEY"])
        #expect(blocks[0].der == [0x30, 0x03, 0x02, 0x01, 0x01])
    }

    @Test(
        "malformed PEM is refused with the block and the reason",
        arguments: [
            ("-----BEGIN CERTIFICATE-----\n\(body)\n", "has no END line"),
            ("-----BEGIN CERTIFICATE-----\n\(body)\n-----END PRIVATE KEY-----\n", "ends as PRIVATE KEY"),
            ("-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n", "not valid base64"),
            ("-----END CERTIFICATE-----\n", "has no BEGIN line"),
        ])
    func malformed(text: String, reason: String) throws {
        let error = #expect(throws: CryptoError.self) { try PEM.blocks(in: Array(text.utf8)) }
        #expect(error?.code == .malformedPEM)
        #expect(error?.message.contains(reason) == true)
    }

    @Test("a PEM block that is valid base64 but no certificate names its position")
    func notACertificate() throws {
        let text = "-----BEGIN CERTIFICATE-----\n\(Self.body)\n-----END CERTIFICATE-----\n"
        let error = #expect(throws: CryptoError.self) { try Certificate.parseAll(Array(text.utf8)) }
        #expect(error?.code == .malformedCertificate)
        #expect(error?.message.contains("PEM block 1") == true)
    }

    @Test("bytes that are neither PEM nor DER are named as such")
    func unknownFormat() throws {
        let error = #expect(throws: CryptoError.self) { try Certificate.parseAll(Array("hello world".utf8)) }
        #expect(error?.code == .unknownFormat)
    }

    @Test("a truncated DER certificate is refused")
    func truncatedDER() throws {
        let certificate = try SelfSignedCertificate.make(
            key: try PrivateKey.generate(.ecdsaP256), hostnames: ["a.example"], notBefore: .now, days: 1)
        let error = #expect(throws: CryptoError.self) { try Certificate.parseAll(Array(certificate.der.dropLast(10))) }
        #expect(error?.code == .malformedCertificate)
        #expect(try Certificate.parseAll(certificate.der) == [certificate])
    }
}

@Suite("Input from other tools")
struct ForeignInputTests {
    @Test("a PEM file saved with a byte-order mark (Windows Notepad) is read")
    func byteOrderMark() throws {
        let certificate = try SelfSignedCertificate.make(
            key: try PrivateKey.generate(.ecdsaP256), hostnames: ["a.example"], notBefore: .now, days: 1)
        let bytes = [0xEF, 0xBB, 0xBF] + Array(certificate.pem.utf8)
        #expect(try Certificate.parseAll(bytes) == [certificate])
    }

    @Test("a 256-bit curve other than P-256 is not called P-256")
    func brainpool() throws {
        let pem = try Subprocess.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"]).stdout
        let key = try PrivateKey(pem: Array(pem.utf8))
        #expect(key.keyType == nil)
        #expect(key.displayName == "ECDSA brainpoolP256r1")
    }

    @Test("an encrypted key is refused at once, never prompting for a passphrase")
    func encryptedKey() throws {
        let pem = try Subprocess.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x"]).stdout
        #expect(pem.contains("ENCRYPTED"))
        #expect(throws: CryptoError.self) { try PrivateKey(pem: Array(pem.utf8)) }
    }
}
