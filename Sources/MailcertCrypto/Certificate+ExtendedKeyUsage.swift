import COpenSSL

extension Certificate {
    /// True when the certificate may authenticate a TLS client (RFC 5280 section 4.2.1.12): no extendedKeyUsage at
    /// all, or one listing clientAuth or anyExtendedKeyUsage. Public CAs issue serverAuth-only certificates since 2026,
    /// so a relay's client certificate must be checked for it rather than assumed.
    public var allowsClientAuth: Bool {
        defer { OpenSSLErrorQueue.clear() }
        guard X509_get_extension_flags(pointer) & UInt32(EXFLAG_XKUSAGE) != 0 else { return true }
        let bits = X509_get_extended_key_usage(pointer)
        return bits & UInt32(XKU_SSL_CLIENT) != 0 || bits & UInt32(XKU_ANYEKU) != 0
    }
}
