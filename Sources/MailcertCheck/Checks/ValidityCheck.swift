import Foundation
import MailcertCrypto

/// Is every certificate that came with the leaf valid now, and how many days are left before the first one expires?
enum ValidityCheck {
    static func evaluate(_ subject: CertificateUnderCheck, policy: CheckPolicy) -> CheckResult {
        let now = policy.now
        // Roots are trust anchors, not part of what the server vouches for: their dates are the trust store's business.
        let relevant = [subject.leaf] + subject.intermediates.filter { !$0.isSelfSigned }
        let first = relevant.min { $0.notValidAfter < $1.notValidAfter } ?? subject.leaf
        let days = daysLeft(until: first.notValidAfter, now: now)
        var result = verdict(relevant, first: first, days: days, policy: policy)
        result.daysLeft = days
        return result
    }

    private static func verdict(_ relevant: [Certificate], first: Certificate, days: Int, policy: CheckPolicy)
        -> CheckResult
    {
        let now = policy.now
        if let early = relevant.first(where: { $0.notValidBefore > now }) {
            return CheckResult(
                "validity", .critical,
                "\(early.displayName) is not valid yet: valid from \(DateText.instant(early.notValidBefore))")
        }
        let which = first === relevant[0] ? "" : " (\(first.displayName), sent with the leaf)"
        if first.notValidAfter <= now {
            return CheckResult(
                "validity", .critical,
                "expired on \(DateText.instant(first.notValidAfter))\(which), \(-days) days ago")
        }
        let reason = "valid until \(DateText.instant(first.notValidAfter))\(which), \(days) days left"
        if days < policy.criticalDays {
            return CheckResult("validity", .critical, reason + " (critical below \(policy.criticalDays))")
        }
        if days < policy.warningDays {
            return CheckResult("validity", .warning, reason + " (warning below \(policy.warningDays))")
        }
        return CheckResult("validity", .ok, reason)
    }

    /// Whole days from `now` to `date`, rounded toward zero (negative once past).
    static func daysLeft(until date: Date, now: Date) -> Int {
        Int((date.timeIntervalSince(now) / 86_400).rounded(.towardZero))
    }
}
