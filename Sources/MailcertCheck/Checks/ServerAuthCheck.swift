import MailcertCrypto

/// Does extendedKeyUsage allow a TLS server (RFC 5280 section 4.2.1.12)? No extension allows every use.
enum ServerAuthCheck {
    static func evaluate(_ subject: CertificateUnderCheck) -> CheckResult {
        guard let usage = subject.leaf.extendedKeyUsage else {
            return CheckResult("serverAuth", .ok, "no extendedKeyUsage extension: any use is allowed")
        }
        if usage.serverAuth { return CheckResult("serverAuth", .ok, "extendedKeyUsage includes serverAuth") }
        if usage.anyExtendedKeyUsage {
            return CheckResult("serverAuth", .ok, "extendedKeyUsage is anyExtendedKeyUsage")
        }
        return CheckResult(
            "serverAuth", .critical,
            "extendedKeyUsage does not include serverAuth: TLS clients that check it refuse the certificate")
    }
}
