import Foundation
import MailcertCheck
import MailcertCrypto

/// The local check `enable` runs before binding: what a service cannot use is refused, everything else is reported.
///
/// Refused: a certificate whose names do not cover the service's hostnames, one that is expired or not yet valid,
/// and one whose key does not match. Not refused: an untrusted chain (a self-signed fallback is what keeps a host
/// from having nothing) or a near expiry; those come back as warnings.
public struct BindingCheck: Sendable {
    public let results: [CheckResult]
    /// The results that stop the binding (unless forced).
    public let blockers: [CheckResult]

    public static func run(version: StoredVersion, hostnames: [String], caBundle: URL? = nil, now: Date) throws
        -> BindingCheck
    {
        let subject = try LocalCheckSubject.of(version)
        let policy = CheckPolicy(hostnames: hostnames, trust: try LocalCheckSubject.trust(caBundle: caBundle), now: now)
        let results = CertificateChecks.run(subject, policy: policy)
        let leaf = subject.leaf
        var blockers = results.filter { ["names", "key"].contains($0.check) && $0.status == .critical }
        if leaf.notValidAfter <= now {
            blockers.append(CheckResult("validity", .critical, "expired on \(DateText.instant(leaf.notValidAfter))"))
        } else if leaf.notValidBefore > now {
            blockers.append(
                CheckResult("validity", .critical, "not valid before \(DateText.instant(leaf.notValidBefore))"))
        }
        return BindingCheck(results: results, blockers: blockers)
    }
}
