import COpenSSL
import Foundation

/// What the checks look at beyond names and dates: the signature, the key's strength, the extended key usage,
/// and the IP addresses a certificate names.
extension Certificate {
    /// The signature algorithm's OpenSSL long name, e.g. "ecdsa-with-SHA256" or "sha1WithRSAEncryption".
    public var signatureAlgorithm: String {
        let nid = X509_get_signature_nid(pointer)
        guard nid != NID_undef, let name = OBJ_nid2ln(nid) else { return "unknown" }
        return String(cString: name)
    }

    /// True when the signature digest is SHA-1 (or MD5): clients with a default security level refuse it.
    public var hasWeakSignatureDigest: Bool {
        var digest: Int32 = NID_undef
        var keyAlgorithm: Int32 = NID_undef
        guard OBJ_find_sigid_algs(X509_get_signature_nid(pointer), &digest, &keyAlgorithm) == 1 else { return false }
        return digest == NID_sha1 || digest == NID_md5 || digest == NID_md5_sha1
    }

    /// The certified key's size in bits (RSA modulus, EC field).
    public var publicKeyBits: Int {
        guard let key = X509_get0_pubkey(pointer) else { return 0 }
        return Int(EVP_PKEY_get_bits(key))
    }

    /// True for an RSA key.
    public var hasRSAKey: Bool {
        guard let key = X509_get0_pubkey(pointer) else { return false }
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
    }

    /// What the extendedKeyUsage extension allows; nil when the certificate has none (then any use is allowed).
    public var extendedKeyUsage: ExtendedKeyUsage? {
        defer { OpenSSLErrorQueue.clear() }
        guard X509_get_extension_flags(pointer) & UInt32(EXFLAG_XKUSAGE) != 0 else { return nil }
        let bits = X509_get_extended_key_usage(pointer)
        return ExtendedKeyUsage(
            serverAuth: bits & UInt32(XKU_SSL_SERVER) != 0, anyExtendedKeyUsage: bits & UInt32(XKU_ANYEKU) != 0)
    }

    /// The iPAddress entries of subjectAltName, in textual form ("192.0.2.1", "2001:db8::1").
    public var ipAddresses: [String] { subjectAltNames(ofType: GEN_IPADD).compactMap(IPAddressText.format) }
}

/// The extendedKeyUsage purposes a TLS server certificate cares about.
public struct ExtendedKeyUsage: Sendable, Equatable {
    public let serverAuth: Bool
    public let anyExtendedKeyUsage: Bool
}

/// Conversions between IP address octets and text, through the C library.
public enum IPAddressText {
    /// "192.0.2.1" for 4 octets, RFC 5952 text for 16, nil otherwise.
    public static func format(_ octets: [UInt8]) -> String? {
        let family: Int32
        switch octets.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard octets.withUnsafeBytes({ inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }) != nil
        else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The octets of an IPv4 or IPv6 literal (brackets allowed), or nil when `text` is not one.
    public static func parse(_ text: String) -> [UInt8]? {
        let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, bare, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, bare, &v6) == 1 { return v6 }
        return nil
    }
}
