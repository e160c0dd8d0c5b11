import ACME
import Foundation
import MailcertCrypto

/// Whether a certificate is due for renewal, and why: a pure function of the certificate's dates, the CA's renewal
/// information and `now`, so every rule is tested with a fixed clock.
public enum RenewalDecision: Equatable, Sendable {
    case renewNow(reason: String)
    case notDue(until: Date, reason: String)
}

public enum RenewalPolicy {
    /// ARI first (RFC 9773 section 4.2): renew at a random moment of the CA's suggested window, `randomFraction`
    /// (0..<1) picking it, and at once when the window has passed. Without ARI: renew when a third of the lifetime
    /// is left, or half for lifetimes under ten days (short-lived certificates need the larger margin).
    public static func decision(
        notBefore: Date, notAfter: Date, renewalInfo: RenewalInfo?, now: Date, randomFraction: Double
    ) -> RenewalDecision {
        if now >= notAfter { return .renewNow(reason: "expired on \(DateText.instant(notAfter))") }
        if let window = renewalInfo?.suggestedWindow, window.end > window.start {
            let fraction = min(max(randomFraction, 0), 0.999_999)
            let chosen = window.start.addingTimeInterval(window.end.timeIntervalSince(window.start) * fraction)
            if now >= window.end {
                return .renewNow(reason: "the CA's suggested renewal window ended \(DateText.instant(window.end))")
            }
            if now >= chosen {
                return .renewNow(reason: "inside the CA's suggested renewal window (\(DateText.instant(window.start)) to \(DateText.instant(window.end)))")
            }
            return .notDue(until: chosen, reason: "the CA suggests renewing between \(DateText.instant(window.start)) and \(DateText.instant(window.end))")
        }
        let (renewAt, share) = lifetimeRenewal(notBefore: notBefore, notAfter: notAfter)
        if now >= renewAt { return .renewNow(reason: "less than \(share) of the lifetime is left (expires \(DateText.instant(notAfter)))") }
        return .notDue(until: renewAt, reason: "renews when \(share) of the lifetime is left")
    }

    /// The lifetime rule: a third of the lifetime left, half under ten days (a 160-hour certificate renews with 80
    /// hours left, a 45-day one with 15 days, a 90-day one with 30).
    static func lifetimeRenewal(notBefore: Date, notAfter: Date) -> (at: Date, share: String) {
        let lifetime = notAfter.timeIntervalSince(notBefore)
        let margin = lifetime < 10 * 86_400 ? 0.5 : 1.0 / 3.0
        return (notAfter.addingTimeInterval(-lifetime * margin), margin == 0.5 ? "half" : "a third")
    }
}
