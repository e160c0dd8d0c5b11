import ACME
import Foundation
import MailcertCrypto

/// The renewal decision for a certificate in the store, from what the store holds (no network): `list` shows it,
/// and `renew` falls back on it while the CA asked not to be polled.
extension RenewalPolicy {
    /// The kept ARI window when it is about `leaf` (a window for a predecessor says nothing of this one).
    public static func window(for leaf: Certificate, stored: StoredRenewalInfo?) -> RenewalInfo? {
        guard let stored, let id = leaf.ariIdentifier, stored.certificateID == id else { return nil }
        return stored.renewalInfo
    }

    /// The earliest moment `leaf` is due: the start of the CA's window, else the lifetime rule's moment. A
    /// self-signed fallback is due from the start (ACME replaces it at the first chance).
    public static func renewsFrom(_ leaf: Certificate, stored: StoredRenewalInfo?) -> Date {
        if leaf.isSelfSigned { return leaf.notValidBefore }
        let window = window(for: leaf, stored: stored)
        return renewsFrom(notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter, renewalInfo: window)
    }

    public static func renewsFrom(notBefore: Date, notAfter: Date, renewalInfo: RenewalInfo?) -> Date {
        if let window = renewalInfo?.suggestedWindow, window.end > window.start { return min(window.start, notAfter) }
        return lifetimeRenewal(notBefore: notBefore, notAfter: notAfter).at
    }
}
