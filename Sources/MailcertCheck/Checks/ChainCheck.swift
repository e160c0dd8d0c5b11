import MailcertCrypto

/// Does the certificate, with the certificates that came with it, build a path to a trusted root?
///
/// Dates are left to `ValidityCheck`, so an expired intermediate is reported once, by name, rather than as a
/// generic verify error here.
enum ChainCheck {
    static func evaluate(_ subject: CertificateUnderCheck, policy: CheckPolicy) -> CheckResult {
        let outcome: ChainVerifier.Outcome
        do {
            outcome = try ChainVerifier.verify(
                subject.leaf, intermediates: subject.intermediates, trust: policy.trust,
                options: .init(now: policy.now, checkTime: false))
        } catch {
            return CheckResult("chain", .unknown, "the chain could not be verified: \(error)")
        }
        switch outcome {
        case .trusted(let path):
            let names = path.map(\.displayName).joined(separator: " -> ")
            return CheckResult("chain", .ok, "trusted: \(names)")
        case .untrusted(let error):
            return CheckResult("chain", .critical, explain(error, subject))
        }
    }

    private static func explain(_ error: ChainVerifier.VerifyError, _ subject: CertificateUnderCheck) -> String {
        if subject.leaf.isSelfSigned {
            return "self-signed (\(subject.leaf.displayName)): senders that verify refuse it; only opportunistic TLS "
                + "accepts it"
        }
        if error.isMissingIssuer {
            let issuer = sanitized(error.issuer ?? "?")
            let orphan = sanitized(error.subject ?? "?")
            return "no path to a trusted root: the issuer \"\(issuer)\" of \"\(orphan)\" was neither sent nor is it "
                + "trusted; the chain probably lacks its intermediate certificate (serve fullchain.pem)"
        }
        return "no path to a trusted root: \(error.reason) at depth \(error.depth)"
            + (error.subject.map { " (\(sanitized($0)))" } ?? "")
    }
}
