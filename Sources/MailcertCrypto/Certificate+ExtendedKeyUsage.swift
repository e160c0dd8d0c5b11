import COpenSSL

extension Certificate {
    /// Whether extendedKeyUsage lets this certificate authenticate a TLS client (RFC 5280 section 4.2.1.12): no
    /// extension, clientAuth, or anyExtendedKeyUsage. Let's Encrypt stopped including clientAuth in February 2026,
    /// so a server certificate reused as an SMTP client certificate may no longer qualify.
    public var allowsClientAuth: Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard X509_get_extension_flags(pointer) & UInt32(EXFLAG_XKUSAGE) != 0 else { return true }
        let bits = X509_get_extended_key_usage(pointer)
        return bits & UInt32(XKU_SSL_CLIENT | XKU_ANYEKU) != 0
    }
}
