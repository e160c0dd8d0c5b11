import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Chain order")
struct CertificateChainTests {
    @Test("a bag in any order comes out leaf, intermediate, root")
    func ordersLeafFirst() throws {
        let ca = try TestCA()
        let key = try PrivateKey.generate(.ecdsaP256)
        let leaf = try Certificate.parseAll(Array(try ca.sign(csrPEM: try CertificateSigningRequest(key: key, hostnames: ["mx.example"]).pem).utf8))[0]
        let intermediate = try Certificate.parseAll(Array(ca.intermediatePEM.utf8))[0]
        let root = try Certificate.parseAll(Array(ca.rootPEM.utf8))[0]
        let stray = try SelfSignedCertificate.make(key: key, hostnames: ["other.example"], notBefore: .now, days: 1)

        #expect(CertificateChain.ordered(leaf: leaf, others: [root, stray, leaf, intermediate]) == [leaf, intermediate, root, stray])
        #expect(CertificateChain.leaf(of: [root, intermediate, leaf]) == leaf)
        #expect(leaf.isIssued(by: intermediate))
        #expect(!leaf.isIssued(by: root))
        #expect(intermediate.isCertificateAuthority && !leaf.isCertificateAuthority)
    }
}
