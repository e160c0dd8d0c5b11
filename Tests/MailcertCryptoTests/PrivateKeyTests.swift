import MailcertCrypto
import MailcertTestSupport
import Testing
import Foundation

@Suite("Private keys")
struct PrivateKeyTests {
    @Test("every key type is generated, written as PKCS#8 and read back", arguments: KeyType.allCases)
    func generatesEveryType(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let pem = try key.pkcs8PEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(key.keyType == type)
        let reread = try PrivateKey(pem: Array(pem.utf8))
        #expect(reread.keyType == type)
        #expect(try reread.publicKeyFingerprint() == key.publicKeyFingerprint())

        // The openssl command, independent of our code, agrees on algorithm and size.
        let text = try Subprocess.openssl(["pkey", "-noout", "-text"], stdin: Data(pem.utf8)).stdout
        switch type {
        case .ecdsaP256: #expect(text.contains("NIST CURVE: P-256"))
        case .ecdsaP384: #expect(text.contains("NIST CURVE: P-384"))
        case .rsa2048: #expect(text.contains("Private-Key: (2048 bit"))
        case .rsa3072: #expect(text.contains("Private-Key: (3072 bit"))
        case .rsa4096: #expect(text.contains("Private-Key: (4096 bit"))
        }
    }

    @Test("traditional EC and RSA PEM keys from other tools are read")
    func readsTraditionalForms() throws {
        let ec = try Subprocess.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout"]).stdout
        #expect(ec.contains("BEGIN EC PRIVATE KEY"))
        #expect(try PrivateKey(pem: Array(ec.utf8)).keyType == .ecdsaP256)
        let rsa = try Subprocess.openssl(["genrsa", "-traditional", "2048"]).stdout
        #expect(rsa.contains("BEGIN RSA PRIVATE KEY"))
        #expect(try PrivateKey(pem: Array(rsa.utf8)).keyType == .rsa2048)
    }

    @Test("garbage is refused with the OpenSSL reason attached")
    func refusesGarbage() throws {
        let error = #expect(throws: CryptoError.self) { try PrivateKey(pem: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8)) }
        #expect(error?.code == .malformedKey)
        #expect(error?.openSSLErrors.isEmpty == false)
    }
}
