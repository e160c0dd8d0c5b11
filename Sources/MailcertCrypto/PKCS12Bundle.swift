import CMailcertShims
import COpenSSL

/// A PKCS#12 (.pfx/.p12) bundle of a private key, its certificate and the chain: what Windows and Exchange import
/// and export.
public struct PKCS12Bundle: Sendable {
    public let key: PrivateKey
    public let certificate: Certificate
    /// The CA certificates that came with the leaf, in bundle order.
    public let chain: [Certificate]

    public init(key: PrivateKey, certificate: Certificate, chain: [Certificate]) {
        self.key = key
        self.certificate = certificate
        self.chain = chain
    }

    /// Encodes the bundle with modern algorithms: AES-256-CBC under PBKDF2 for key and certificates, and an
    /// HMAC-SHA-256 integrity MAC. Windows Server 2019 and later, and OpenSSL 1.1.1 and later, read it.
    public func der(password: String, friendlyName: String?) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let stack = mc_sk_X509_new_null() else { throw CryptoError.openSSL(.pkcs12, "cannot allocate a chain") }
        defer { mc_sk_X509_free(stack) }  // the stack borrows the certificates; Certificate owns them
        for certificate in chain { _ = mc_sk_X509_push(stack, certificate.pointer) }
        guard let p12 = PKCS12_create_ex(
                password, friendlyName, key.pointer, certificate.pointer, stack,
                NID_aes_256_cbc, NID_aes_256_cbc, PKCS12_DEFAULT_ITER, PKCS12_DEFAULT_ITER, 0, nil, nil)
        else { throw CryptoError.openSSL(.pkcs12, "cannot build the PKCS#12 bundle") }
        defer { PKCS12_free(p12) }
        guard PKCS12_set_mac(p12, password, -1, nil, 0, PKCS12_DEFAULT_ITER, EVP_sha256()) == 1 else {
            throw CryptoError.openSSL(.pkcs12, "cannot add the SHA-256 MAC to the PKCS#12 bundle")
        }
        let bio = try MemoryBIO()
        guard i2d_PKCS12_bio(bio.pointer, p12) == 1 else {
            throw CryptoError.openSSL(.encoding, "cannot encode the PKCS#12 bundle")
        }
        return bio.bytes
    }

    /// Decodes a bundle. A wrong password is reported as `.pkcs12Password`. Bundles from older Windows versions use
    /// RC2 or 3DES; if the default algorithms cannot decrypt one, OpenSSL's legacy provider is loaded and the parse
    /// is tried once more.
    public init(der: [UInt8], password: String) throws {
        OpenSSLErrorQueue.clear()
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let p12 = parsed else { throw CryptoError.openSSL(.pkcs12, "not a DER PKCS#12 bundle") }
        defer { PKCS12_free(p12) }
        // An empty password may have been encoded as no password at all: accept either form.
        let macOpens = PKCS12_verify_mac(p12, password, -1) == 1 || (password.isEmpty && PKCS12_verify_mac(p12, nil, 0) == 1)
        if PKCS12_mac_present(p12) == 1, !macOpens {
            throw CryptoError.openSSL(.pkcs12Password, "the password does not open the PKCS#12 bundle (MAC check failed)")
        }
        var key: OpaquePointer?
        var certificate: OpaquePointer?
        var others: OpaquePointer?
        if PKCS12_parse(p12, password, &key, &certificate, &others) != 1 {
            LegacyProvider.load()
            OpenSSLErrorQueue.clear()
            guard PKCS12_parse(p12, password, &key, &certificate, &others) == 1 else {
                throw CryptoError.openSSL(.pkcs12, "cannot decrypt the PKCS#12 bundle")
            }
        }
        defer { if let others { mc_sk_X509_pop_free(others) } }
        guard let key else {
            if let certificate { X509_free(certificate) }
            throw CryptoError(.pkcs12, "the PKCS#12 bundle holds no private key")
        }
        let ownedKey = PrivateKey(taking: key)
        guard let certificate else { throw CryptoError(.pkcs12, "the PKCS#12 bundle holds no certificate for its key") }
        self.key = ownedKey
        self.certificate = Certificate(taking: certificate)
        var chain: [Certificate] = []
        if let others {
            for index in 0..<mc_sk_X509_num(others) {
                if let pointer = mc_sk_X509_value(others, index) { chain.append(Certificate(retaining: pointer)) }
            }
        }
        self.chain = chain
    }
}

/// OpenSSL 3 keeps RC2, RC4 and single DES in the legacy provider; old PKCS#12 files need it to decrypt.
enum LegacyProvider {
    private static let loaded: Bool = {
        // Loading any provider by hand stops OpenSSL from loading the default one on its own: load both.
        let legacy = OSSL_PROVIDER_load(nil, "legacy")
        let defaults = OSSL_PROVIDER_load(nil, "default")
        return legacy != nil && defaults != nil
    }()

    @discardableResult
    static func load() -> Bool { loaded }
}
