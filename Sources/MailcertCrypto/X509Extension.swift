import CMailcertShims
import COpenSSL

/// Builds X.509v3 extensions from OpenSSL's configuration syntax ("critical,CA:FALSE", "DNS:a,DNS:b").
///
/// Callers pass only values mailcert composed itself from validated hostnames, never raw user text.
enum X509Extension {
    /// The subjectAltName value listing every hostname as a dNSName.
    static func subjectAltNameValue(_ hostnames: [String]) -> String {
        hostnames.map { "DNS:\($0)" }.joined(separator: ",")
    }

    /// One extension; the caller owns the result (free with X509_EXTENSION_free).
    static func make(_ nid: Int32, _ value: String, context: UnsafeMutablePointer<X509V3_CTX>?) throws -> OpaquePointer {
        guard let extensionPointer = X509V3_EXT_conf_nid(nil, context, nid, value) else {
            let name = OBJ_nid2sn(nid).map { String(cString: $0) } ?? "extension \(nid)"
            throw CryptoError.openSSL(.signing, "cannot build the \(name) extension from \"\(value)\"")
        }
        return extensionPointer
    }
}

/// A subject name holding one common name.
enum SubjectName {
    /// The CN is the first hostname when it fits the 64-character upper bound of RFC 5280; longer names live in the
    /// SAN alone. The caller owns the result (free with X509_NAME_free).
    static func make(commonName: String?) throws -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw CryptoError.openSSL(.signing, "cannot allocate a subject name") }
        if let commonName, commonName.utf8.count <= 64 {
            guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1 else {
                X509_NAME_free(name)
                throw CryptoError.openSSL(.signing, "cannot put \(commonName) in a subject name")
            }
        }
        return name
    }
}
