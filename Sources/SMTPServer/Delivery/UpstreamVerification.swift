import Foundation
import MailcertCheck
import MailcertCrypto

/// Judges the chain an upstream served with the checks `mailcert check` runs on a served chain (chain to a trusted
/// root, validity, names, serverAuth, key strength), so the relay refuses what the check reports as CRITICAL, in
/// the same words.
///
/// One difference: the expiry margins. `mailcert check` calls a certificate with fewer than 7 days left CRITICAL so
/// monitoring wakes someone; such a certificate is still valid, and refusing mail over it would stop the relay a
/// week early. Here only an expired (or not yet valid) certificate is CRITICAL; fewer than 7 days left is a warning
/// in the log line.
enum UpstreamVerification {
    /// Days left below which the log line warns.
    static let warningDays = CheckPolicy.defaultCriticalDays

    struct Verdict {
        /// "names: does not cover ...": CRITICAL results, and UNKNOWN ones (a chain that could not be verified is
        /// not verified). Empty when the upstream may have the message.
        var problems: [String]
        /// WARNING results ("validity: ... 5 days left"), for the log.
        var warnings: [String]
    }

    static func judge(_ chain: [Certificate], name: String, trust: TrustStore?, now: Date = Date()) -> Verdict {
        guard let leaf = chain.first else { return Verdict(problems: ["it served no certificate"], warnings: []) }
        guard let trust else { return Verdict(problems: ["no trust store to verify against"], warnings: []) }
        let subject = CertificateUnderCheck(leaf: leaf, intermediates: Array(chain.dropFirst()))
        let policy = CheckPolicy(hostnames: [name], trust: trust, now: now, warningDays: warningDays, criticalDays: 0)
        let results = CertificateChecks.run(subject, policy: policy)
        let text = { (result: CheckResult) in "\(result.check): \(result.reason)" }
        return Verdict(
            problems: results.filter { $0.status == .critical || $0.status == .unknown }.map(text),
            warnings: results.filter { $0.status == .warning }.map(text))
    }
}
