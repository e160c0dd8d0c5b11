import CMailcertShims
import COpenSSL

/// A PKCS#10 certificate signing request, signed with SHA-256, carrying every hostname as a dNSName SAN and the
/// first as the subject CN (the form public and corporate CAs expect).
public struct CertificateSigningRequest: Sendable {
    public let der: [UInt8]

    public var pem: String { PEM.encode(der, label: "CERTIFICATE REQUEST") }

    /// Builds and signs a CSR for `hostnames` with `key`. Hostnames must already be validated.
    public init(key: PrivateKey, hostnames: [String]) throws {
        precondition(!hostnames.isEmpty, "a CSR needs at least one hostname")
        OpenSSLErrorQueue.clear()
        guard let request = X509_REQ_new() else { throw CryptoError.openSSL(.signing, "cannot allocate a CSR") }
        defer { X509_REQ_free(request) }
        let subject = try SubjectName.make(commonName: hostnames[0])
        defer { X509_NAME_free(subject) }
        guard X509_REQ_set_version(request, 0) == 1, X509_REQ_set_subject_name(request, subject) == 1,
            X509_REQ_set_pubkey(request, key.pointer) == 1
        else { throw CryptoError.openSSL(.signing, "cannot fill in the CSR") }

        guard let extensions = mc_sk_X509_EXTENSION_new_null() else {
            throw CryptoError.openSSL(.signing, "cannot allocate CSR extensions")
        }
        defer { mc_sk_X509_EXTENSION_pop_free(extensions) }
        let san = try X509Extension.make(NID_subject_alt_name, X509Extension.subjectAltNameValue(hostnames), context: nil)
        guard mc_sk_X509_EXTENSION_push(extensions, san) > 0 else {
            X509_EXTENSION_free(san)
            throw CryptoError.openSSL(.signing, "cannot add the subjectAltName to the CSR")
        }
        guard X509_REQ_add_extensions(request, extensions) == 1 else {
            throw CryptoError.openSSL(.signing, "cannot add extensions to the CSR")
        }
        guard X509_REQ_sign(request, key.pointer, EVP_sha256()) > 0 else {
            throw CryptoError.openSSL(.signing, "cannot sign the CSR with the \(key.displayName) key")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_REQ(request, &out)
        guard length > 0, let out else { throw CryptoError.openSSL(.encoding, "cannot encode the CSR") }
        defer { mc_OPENSSL_free(out) }
        der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
