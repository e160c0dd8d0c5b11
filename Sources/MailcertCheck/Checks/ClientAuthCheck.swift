import MailcertCrypto

/// Can the certificate also act as a TLS client certificate (a relay presenting it upstream)? Informational only:
/// always OK, since a server certificate without clientAuth is exactly what public CAs issue since 2026.
enum ClientAuthCheck {
    static func evaluate(_ subject: CertificateUnderCheck) -> CheckResult {
        guard subject.leaf.allowsClientAuth else {
            return CheckResult("clientAuth", .ok, "serverAuth only: not usable as a TLS client certificate")
        }
        let reason =
            subject.leaf.extendedKeyUsage == nil
            ? "no extendedKeyUsage extension: usable as a TLS client certificate"
            : "extendedKeyUsage allows clientAuth: usable as a TLS client certificate"
        return CheckResult("clientAuth", .ok, reason)
    }
}
