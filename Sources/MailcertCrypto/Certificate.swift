import CMailcertShims
import COpenSSL
import Foundation

/// An X.509 certificate held by OpenSSL (`X509`), freed when the last reference goes.
///
/// Immutable after parsing; OpenSSL allows concurrent read-only use, hence `@unchecked Sendable`.
public final class Certificate: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    /// Parses one DER-encoded certificate; trailing bytes are an error.
    public convenience init(der: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let certificate = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress! + buffer.count else {
                X509_free(certificate)
                return nil
            }
            return certificate
        }
        guard let parsed else { throw CryptoError.openSSL(.malformedCertificate, "not a DER X.509 certificate") }
        self.init(taking: parsed)
    }

    /// Adopts a certificate another OpenSSL object handed out, taking a reference of our own.
    convenience init(retaining pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.init(taking: pointer)
    }

    /// Every certificate in a file's bytes, in file order: PEM with one or more CERTIFICATE blocks, or one DER
    /// certificate. Other PEM blocks (a private key in a combined file) are skipped.
    public static func parseAll(_ bytes: [UInt8]) throws -> [Certificate] {
        if PEM.looksLikePEM(bytes) {
            let blocks = try PEM.blocks(in: bytes).enumerated().filter { $0.element.label == "CERTIFICATE" }
            guard !blocks.isEmpty else {
                throw CryptoError(.malformedCertificate, "the PEM text holds no CERTIFICATE block")
            }
            return try blocks.map { index, block in
                do { return try Certificate(der: block.der) } catch let error as CryptoError {
                    throw CryptoError(
                        .malformedCertificate, "PEM block \(index + 1) is not a valid certificate",
                        openSSLErrors: error.openSSLErrors)
                }
            }
        }
        guard bytes.first == 0x30 else {
            throw CryptoError(.unknownFormat, "neither PEM text nor a DER certificate")
        }
        return [try Certificate(der: bytes)]
    }

    /// The DER encoding.
    public var der: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(pointer, &out)
        guard length > 0, let out else { return [] }
        defer { mc_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// One PEM CERTIFICATE block.
    public var pem: String { PEM.encode(der, label: "CERTIFICATE") }

    /// SHA-256 of the DER, upper-case hex.
    public var sha256Thumbprint: String { Digest.sha256.thumbprint(der) }

    /// SHA-1 of the DER, upper-case hex: the "Thumbprint" Windows and Exchange show.
    public var sha1Thumbprint: String { Digest.sha1.thumbprint(der) }

    /// Subject in RFC 2253 form ("CN=mx1.example.com,O=Example").
    public var subject: String { Self.string(of: X509_get_subject_name(pointer)) }

    /// Issuer in RFC 2253 form.
    public var issuer: String { Self.string(of: X509_get_issuer_name(pointer)) }

    /// The subject's first common name, if any.
    public var commonName: String? { Self.commonName(of: X509_get_subject_name(pointer)) }

    /// The issuer's first common name, if any: how admins tell CAs apart.
    public var issuerCommonName: String? { Self.commonName(of: X509_get_issuer_name(pointer)) }

    /// The dNSName entries of subjectAltName, in certificate order (RFC 9525: the only names that count).
    public var dnsNames: [String] {
        subjectAltNames(ofType: GEN_DNS).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The raw values of the subjectAltName entries of one GENERAL_NAME type, in order. Only for GEN_DNS and
    /// GEN_IPADD (and the other ASN1_STRING types): other members of OpenSSL's union are not strings.
    func subjectAltNames(ofType type: Int32) -> [[UInt8]] {
        precondition([GEN_DNS, GEN_IPADD, GEN_EMAIL, GEN_URI].contains(type), "not a string GENERAL_NAME type")
        guard let raw = X509_get_ext_d2i(pointer, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { mc_GENERAL_NAMES_free(names) }
        var result: [[UInt8]] = []
        for index in 0..<mc_sk_GENERAL_NAME_num(names) {
            guard let name = mc_sk_GENERAL_NAME_value(names, index), name.pointee.type == type,
                let value = name.pointee.d.ia5, let data = ASN1_STRING_get0_data(value)
            else { continue }
            result.append(Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(value)))))
        }
        return result
    }

    public var notValidBefore: Date { Self.date(X509_get0_notBefore(pointer)) }
    public var notValidAfter: Date { Self.date(X509_get0_notAfter(pointer)) }

    /// The serial number, upper-case hex.
    public var serialNumber: String {
        guard let serial = X509_get0_serialNumber(pointer), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { mc_OPENSSL_free(hex) }
        return String(cString: hex)
    }

    /// The DER SubjectPublicKeyInfo.
    public func publicKeyDER() throws -> [UInt8] {
        guard let key = X509_get0_pubkey(pointer) else {
            throw CryptoError.openSSL(.malformedCertificate, "the certificate's public key cannot be read")
        }
        return try PrivateKey.subjectPublicKeyInfo(of: key)
    }

    /// SHA-256 of the SubjectPublicKeyInfo, upper-case hex; equal to `PrivateKey.publicKeyFingerprint()` of its key.
    public func publicKeyFingerprint() throws -> String { Digest.sha256.thumbprint(try publicKeyDER()) }

    /// "ECDSA P-256", "RSA 2048", … of the certified key.
    public var keyDisplayName: String {
        guard let key = X509_get0_pubkey(pointer) else { return "unknown key" }
        return PrivateKey.displayName(of: key)
    }

    /// The key type, when it is one mailcert generates.
    public var keyType: KeyType? {
        guard let key = X509_get0_pubkey(pointer) else { return nil }
        return PrivateKey(retaining: key).keyType
    }

    /// True when `key` is the private half of this certificate's public key.
    public func matches(_ key: PrivateKey) -> Bool {
        let ok = X509_check_private_key(pointer, key.pointer) == 1
        OpenSSLErrorQueue.clear()
        return ok
    }

    /// Issuer equals subject and the signature verifies with the certificate's own key.
    public var isSelfSigned: Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard X509_NAME_cmp(X509_get_subject_name(pointer), X509_get_issuer_name(pointer)) == 0,
            let key = X509_get0_pubkey(pointer)
        else { return false }
        return X509_verify(pointer, key) == 1
    }

    /// True when `issuer`'s name and key identifiers fit this certificate and its key verifies the signature.
    public func isIssued(by issuer: Certificate) -> Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard X509_check_issued(issuer.pointer, pointer) == X509_V_OK, let key = X509_get0_pubkey(issuer.pointer)
        else { return false }
        return X509_verify(pointer, key) == 1
    }

    /// True for a CA certificate (basicConstraints CA:TRUE, or a v1 self-signed root).
    public var isCertificateAuthority: Bool { X509_check_ca(pointer) != 0 }

    private static func string(of name: OpaquePointer?) -> String {
        guard let name, let bio = try? MemoryBIO() else { return "" }
                guard X509_NAME_print_ex(bio.pointer, name, 0, mc_XN_FLAG_RFC2253_UTF8()) >= 0 else { return "" }
        return bio.string
    }

    private static func commonName(of name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
            let value = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, value)
        guard length >= 0, let utf8 else { return nil }
        defer { mc_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

extension Certificate: Equatable {
    /// Same DER, same certificate.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { X509_cmp(lhs.pointer, rhs.pointer) == 0 }
}

extension Certificate {
    /// The ACME Renewal Information identifier (RFC 9773 section 4.1): base64url of the authority key identifier,
    /// a dot, and base64url of the serial number's DER content octets. Nil without an authority key identifier.
    public var ariIdentifier: String? {
        guard let keyID = X509_get0_authority_key_id(pointer), let keyBytes = ASN1_STRING_get0_data(keyID),
            let serial = X509_get0_serialNumber(pointer), let serialBytes = ASN1_STRING_get0_data(serial)
        else { return nil }
        let aki = Array(UnsafeBufferPointer(start: keyBytes, count: Int(ASN1_STRING_length(keyID))))
        var number = Array(UnsafeBufferPointer(start: serialBytes, count: Int(ASN1_STRING_length(serial))))
        // OpenSSL keeps the magnitude; DER puts a zero octet before a high bit so the number stays positive.
        if let first = number.first, first & 0x80 != 0 { number.insert(0, at: 0) }
        return Base64URL.encode(aki) + "." + Base64URL.encode(number)
    }
}
