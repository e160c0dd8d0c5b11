import MailcertCrypto

/// Flags what current clients refuse at their default security level: RSA keys under 2048 bits and SHA-1 (or
/// MD5) signatures on the leaf or the intermediates sent with it.
enum StrengthCheck {
    static let minimumRSABits = 2048

    static func evaluate(_ subject: CertificateUnderCheck) -> CheckResult {
        let leaf = subject.leaf
        var problems: [String] = []
        if leaf.hasRSAKey, leaf.publicKeyBits < minimumRSABits {
            problems.append("the key is RSA \(leaf.publicKeyBits), below \(minimumRSABits) bits")
        }
        // A root's self-signature is never checked by clients, so only what is below a trust anchor counts.
        for certificate in subject.chain where !certificate.isSelfSigned && certificate.hasWeakSignatureDigest {
            problems.append("\(certificate.displayName) is signed with \(certificate.signatureAlgorithm)")
        }
        if problems.isEmpty {
            return CheckResult("strength", .ok, "\(leaf.keyDisplayName) key, \(leaf.signatureAlgorithm) signature")
        }
        return CheckResult(
            "strength", .critical, problems.joined(separator: "; ") + ": clients at a default security level refuse it")
    }
}
