import ACME
import Foundation

/// The CA's last ARI answer for one certificate (RFC 9773), kept so a renewal run does not ask again before the
/// CA's Retry-After (section 4.3) and so `list` can say when the certificate renews without the network.
public struct StoredRenewalInfo: Codable, Equatable, Sendable {
    /// The ARI identifier of the certificate the answer is about: a window for a predecessor is not used.
    public var certificateID: String
    public var suggestedWindow: RenewalInfo.Window
    /// The page the CA points at to explain the window (an incident, a revocation campaign).
    public var explanationURL: String?
    /// Not asked again before this; nil when the CA gave no Retry-After.
    public var retryAfter: Date?
    public var fetched: Date

    public init(
        certificateID: String, suggestedWindow: RenewalInfo.Window, explanationURL: String?, retryAfter: Date?,
        fetched: Date
    ) {
        self.certificateID = certificateID
        self.suggestedWindow = suggestedWindow
        self.explanationURL = explanationURL
        self.retryAfter = retryAfter
        self.fetched = fetched
    }

    public var renewalInfo: RenewalInfo {
        RenewalInfo(suggestedWindow: suggestedWindow, explanationURL: explanationURL)
    }

    /// Whether the CA asked not to be polled again yet.
    public func holdsOff(at now: Date) -> Bool { retryAfter.map { now < $0 } ?? false }
}
