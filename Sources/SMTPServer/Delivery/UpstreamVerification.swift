import Foundation
import MailcertCheck
import MailcertCrypto

/// Judges the chain an upstream served with the checks `mailcert check` runs on a served chain (chain to a trusted
/// root, validity, names, serverAuth, key strength), so the relay refuses exactly what the check reports as
/// CRITICAL, in the same words.
enum UpstreamVerification {
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
        let results = CertificateChecks.run(subject, policy: CheckPolicy(hostnames: [name], trust: trust, now: now))
        let text = { (result: CheckResult) in "\(result.check): \(result.reason)" }
        return Verdict(
            problems: results.filter { $0.status == .critical || $0.status == .unknown }.map(text),
            warnings: results.filter { $0.status == .warning }.map(text))
    }
}
