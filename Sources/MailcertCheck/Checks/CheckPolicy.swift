import Foundation
import MailcertCrypto
import MailcertDNS

/// What a certificate is checked against: the hostnames it must cover, the roots it must chain to, the moment,
/// the expiry margins and any DANE TLSA records.
public struct CheckPolicy: Sendable {
    /// DNS names (or IP literals) the certificate must cover; none means the names check only lists the names.
    public var hostnames: [String]
    public var trust: TrustStore
    /// The moment the check is made at; injected so tests and callers decide time.
    public var now: Date
    /// Fewer days left than this is a WARNING.
    public var warningDays: Int
    /// Fewer days left than this is CRITICAL.
    public var criticalDays: Int
    /// TLSA records to match (RFC 6698, with RFC 7672 semantics); none means no DANE check.
    public var tlsa: [TLSARecord]
    /// The records came from DNS without DNSSEC validation (no AD bit): a mismatch is a WARNING, not CRITICAL,
    /// because an unauthenticated TLSA record is not one a DANE sender would use (RFC 7672 section 2.2).
    public var tlsaUnauthenticated: Bool

    public static let defaultWarningDays = 20
    public static let defaultCriticalDays = 7

    public init(
        hostnames: [String], trust: TrustStore, now: Date, warningDays: Int = defaultWarningDays,
        criticalDays: Int = defaultCriticalDays, tlsa: [TLSARecord] = [], tlsaUnauthenticated: Bool = false
    ) {
        self.hostnames = hostnames
        self.trust = trust
        self.now = now
        self.warningDays = warningDays
        self.criticalDays = criticalDays
        self.tlsa = tlsa
        self.tlsaUnauthenticated = tlsaUnauthenticated
    }
}

/// A certificate to check: the leaf, the certificates that came with it (a chain file, or what a server sent after
/// the leaf), and its private key when the check runs where the key is.
public struct CertificateUnderCheck: Sendable {
    public let leaf: Certificate
    public let intermediates: [Certificate]
    public let key: PrivateKey?

    public init(leaf: Certificate, intermediates: [Certificate], key: PrivateKey? = nil) {
        self.leaf = leaf
        self.intermediates = intermediates
        self.key = key
    }

    /// Leaf first, then the rest as given.
    public var chain: [Certificate] { [leaf] + intermediates }
}
