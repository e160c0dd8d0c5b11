import Foundation
import MailcertCrypto

/// How the relay secures its connection to the upstream (RFC 3207 STARTTLS).
public enum RelayTLSPolicy: Sendable, Equatable {
    /// Never STARTTLS: the upstream is reached in clear (a local MTA on 127.0.0.1, or one whose TLS is broken).
    case none
    /// STARTTLS when the upstream offers it, clear otherwise (opportunistic, RFC 7435). A handshake that fails is a
    /// 4xx for the client, never a silent retry in clear.
    case may
    /// STARTTLS or nothing: an upstream that does not offer it gets no mail and the client a 4xx (it retries).
    case encrypt
    /// As `encrypt`, and the upstream's certificate must pass the checks `mailcert check` runs (chain to the system
    /// roots plus `caBundle`, validity, names) for `hostname`, else the relay host.
    case verify(caBundle: URL?, hostname: String?)

    /// "none", "may", "encrypt", "verify": the `--relay-tls` value, how logs and replies name the policy.
    public var name: String {
        switch self {
        case .none: "none"
        case .may: "may"
        case .encrypt: "encrypt"
        case .verify: "verify"
        }
    }

    /// True when mail must not go to the upstream in clear.
    var requiresTLS: Bool {
        switch self {
        case .none, .may: false
        case .encrypt, .verify: true
        }
    }
}

/// A `RelayTLSPolicy` made ready once, at start: the client context (with the client certificate) and, for
/// `verify`, the trust store. Read-only afterwards, shared by every session's channel.
struct UpstreamTLS: Sendable {
    let policy: RelayTLSPolicy
    /// nil under `none`, or when OpenSSL could not make a context for the non-throwing default (then STARTTLS fails
    /// with a 4xx rather than falling back to clear).
    let context: TLSContext?
    /// The system roots plus the policy's CA bundle; only under `verify`.
    let trust: TrustStore?
    /// The client certificate's label ("relay-client.example"), for the log line.
    let clientCertificate: String?

    init(policy: RelayTLSPolicy, clientIdentity: ServerIdentity?) throws {
        self.policy = policy
        clientCertificate = clientIdentity?.label
        context = policy == .none ? nil : try TLSContext.relayClient(clientIdentity: clientIdentity)
        guard case .verify(let caBundle, _) = policy else {
            trust = nil
            return
        }
        trust = try TrustStore(systemRoots: true, additional: caBundle.map(Self.certificates(in:)) ?? [])
    }

    /// `may` without a client certificate, for callers that cannot handle an error (OpenSSL out of memory).
    static let opportunistic = UpstreamTLS(fallback: .may)

    private init(fallback policy: RelayTLSPolicy) {
        self.policy = policy
        context = try? TLSContext.relayClient()
        trust = nil
        clientCertificate = nil
    }

    /// The name the upstream's certificate must cover under `verify`: the policy's hostname, else the relay host.
    func verifiedName(relayHost host: String) -> String {
        if case .verify(_, let hostname?) = policy { return hostname }
        return host
    }

    /// Every certificate in a PEM bundle; an unreadable file or one without certificates is an error naming it.
    private static func certificates(in bundle: URL) throws -> [Certificate] {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: bundle)) } catch {
            throw CryptoError(
                .malformedCertificate, "the CA bundle \(bundle.path) cannot be read: \(error.localizedDescription)")
        }
        let certificates: [Certificate]
        do { certificates = try Certificate.parseAll(bytes) } catch let error as CryptoError {
            throw CryptoError(
                error.code, "the CA bundle \(bundle.path): \(error.message)", openSSLErrors: error.openSSLErrors)
        }
        guard !certificates.isEmpty else {
            throw CryptoError(.malformedCertificate, "the CA bundle \(bundle.path) holds no PEM certificate")
        }
        return certificates
    }
}
