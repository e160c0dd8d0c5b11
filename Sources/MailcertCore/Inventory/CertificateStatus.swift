import Foundation
import MailcertCrypto

/// The one-word state `list` shows for a certificate, decided against an injected `now`.
public enum CertificateStatus: String, Codable, Sendable {
    case valid
    case expiring
    case expired
    case notYetValid = "not-yet-valid"
    case selfSigned = "self-signed"
    case pending
    /// The store's files for this name cannot be read; `problem` says which and why.
    case damaged

    /// Fewer days left than this makes a CA-signed certificate `expiring` (renewal normally happens at 1/3 of the
    /// lifetime, 30 days for a 90-day certificate, so this only shows when renewal is late).
    public static let expiringWithinDays = 30

    /// Expired and not-yet-valid win over self-signed, which wins over expiring: the most urgent fact first.
    public static func of(_ certificate: Certificate, now: Date) -> CertificateStatus {
        if now >= certificate.notValidAfter { return .expired }
        if now < certificate.notValidBefore { return .notYetValid }
        if certificate.isSelfSigned { return .selfSigned }
        if certificate.notValidAfter.timeIntervalSince(now) < expiringMargin(certificate) { return .expiring }
        return .valid
    }

    /// `expiringWithinDays`, or for shorter lifetimes the lifetime rule's margin (15 days of a 45-day certificate, 80
    /// hours of a 160-hour one): a short-lived certificate would otherwise be `expiring` long before it is due.
    static func expiringMargin(_ certificate: Certificate) -> TimeInterval {
        let (notBefore, notAfter) = (certificate.notValidBefore, certificate.notValidAfter)
        let renewAt = RenewalPolicy.lifetimeRenewal(notBefore: notBefore, notAfter: notAfter).at
        return min(TimeInterval(expiringWithinDays) * 86_400, certificate.notValidAfter.timeIntervalSince(renewAt))
    }

    /// Whole days until expiry, negative once expired.
    public static func daysLeft(_ certificate: Certificate, now: Date) -> Int {
        Int((certificate.notValidAfter.timeIntervalSince(now) / 86_400).rounded(.down))
    }
}
