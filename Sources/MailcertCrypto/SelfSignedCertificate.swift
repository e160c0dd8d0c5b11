import CMailcertShims
import COpenSSL
import Foundation

/// Mints self-signed server certificates: the fallback that keeps a mail host from ever being without one.
///
/// The profile is what an MTA peer expects of a leaf: X.509 v3, a random 128-bit serial, every hostname as a
/// dNSName SAN, EKU serverAuth, keyUsage digitalSignature (+ keyEncipherment for RSA, for TLS 1.2 RSA key
/// exchange), basicConstraints CA:FALSE (critical), and subject/authority key identifiers.
public enum SelfSignedCertificate {
    /// Signs a certificate for `hostnames` with `key`, valid from `notBefore` for `days` days.
    public static func make(key: PrivateKey, hostnames: [String], notBefore: Date, days: Int) throws -> Certificate {
        precondition(!hostnames.isEmpty && days > 0, "a certificate needs hostnames and a positive lifetime")
        OpenSSLErrorQueue.clear()
        guard let x509 = X509_new() else { throw CryptoError.openSSL(.signing, "cannot allocate a certificate") }
        let certificate = Certificate(taking: x509)
        let name = try SubjectName.make(commonName: hostnames[0])
        defer { X509_NAME_free(name) }
        let start = time_t(notBefore.timeIntervalSince1970)
        guard X509_set_version(x509, 2) == 1, try setRandomSerial(x509),
            X509_set_subject_name(x509, name) == 1, X509_set_issuer_name(x509, name) == 1,
            ASN1_TIME_set(X509_getm_notBefore(x509), start) != nil,
            ASN1_TIME_set(X509_getm_notAfter(x509), start + time_t(days) * 86_400) != nil,
            X509_set_pubkey(x509, key.pointer) == 1
        else { throw CryptoError.openSSL(.signing, "cannot fill in the certificate") }

        var context = X509V3_CTX()
        mc_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, x509, x509, nil, nil, 0)
        let keyUsage = key.isRSA ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"
        // The subject key identifier goes first: the authority key identifier of a self-signed certificate copies it.
        let extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, keyUsage),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
            (NID_subject_alt_name, X509Extension.subjectAltNameValue(hostnames)),
        ]
        for (nid, value) in extensions {
            let made = try X509Extension.make(nid, value, context: &context)
            defer { X509_EXTENSION_free(made) }
            guard X509_add_ext(x509, made, -1) == 1 else {
                throw CryptoError.openSSL(.signing, "cannot add extension \"\(value)\" to the certificate")
            }
        }
        guard X509_sign(x509, key.pointer, EVP_sha256()) > 0 else {
            throw CryptoError.openSSL(.signing, "cannot sign the certificate with the \(key.displayName) key")
        }
        return certificate
    }

    /// 128 random bits with the top bit cleared, so the DER INTEGER stays positive and at most 16 bytes.
    private static func setRandomSerial(_ x509: OpaquePointer) throws -> Bool {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, 16) == 1 else { throw CryptoError.openSSL(.signing, "no randomness for a serial") }
        bytes[0] &= 0x7F
        bytes[0] |= 0x40  // never a short serial: the number keeps its full 127-bit width
        guard let number = BN_bin2bn(bytes, 16, nil) else { return false }
        defer { BN_free(number) }
        return BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x509)) != nil
    }
}
