import MailcertCrypto

/// The checks every certificate gets, local or served, in the order they are reported.
public enum CertificateChecks {
    public static func run(_ subject: CertificateUnderCheck, policy: CheckPolicy) -> [CheckResult] {
        var results = [
            ChainCheck.evaluate(subject, policy: policy),
            ValidityCheck.evaluate(subject, policy: policy),
            NamesCheck.evaluate(subject, policy: policy),
            ServerAuthCheck.evaluate(subject),
            ClientAuthCheck.evaluate(subject),
            StrengthCheck.evaluate(subject),
        ]
        if let key = subject.key { results.insert(KeyMatchCheck.evaluate(subject.leaf, key: key), at: 1) }
        guard !policy.tlsa.isEmpty else { return results }
        let (dane, usage) = DANECheck.evaluate(subject, policy: policy)
        if let usage, !policy.tlsaUnauthenticated { results = relaxed(results, authenticatedBy: usage) }
        return results + [dane]
    }

    /// Under an authenticated, matching TLSA record, DANE senders skip what the record's usage says to skip
    /// (RFC 7672 section 3.1): DANE-EE(3) the chain, the names and the dates; DANE-TA(2) the path to a public
    /// root. Such failures then only matter to senders that verify without DANE, so they become warnings.
    private static func relaxed(_ results: [CheckResult], authenticatedBy usage: UInt8) -> [CheckResult] {
        let skipped: Set<String> = usage == 3 ? ["chain", "names", "validity"] : ["chain"]
        return results.map { result in
            guard result.status == .critical, skipped.contains(result.check) else { return result }
            var relaxed = CheckResult(
                result.check, .warning,
                result.reason + " (DANE senders accept it under the matching TLSA record; other verifying senders "
                    + "refuse it)")
            relaxed.daysLeft = result.daysLeft
            return relaxed
        }
    }
}

extension Certificate {
    /// The common name, else the whole subject, made safe: how messages name a certificate.
    var displayName: String { sanitized(commonName ?? subject) }
}
