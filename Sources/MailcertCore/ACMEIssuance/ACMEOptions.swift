import Foundation

/// How a certificate is obtained over ACME: the options the user chose, kept as `certs/<name>/renewal.json` so a
/// renewal repeats them (only what was chosen is stored; defaults stay defaults).
public struct ACMEOptions: Codable, Equatable, Sendable {
    public var server: String
    public var hostnames: [String]
    public var caBundle: String?
    public var email: String?
    public var challenge: Challenge
    public var httpAddress: String?
    public var httpPort: Int?
    public var webroot: String?
    public var dnsHook: String?
    /// dns-01 over DNS UPDATE: the primary server ("IP[:PORT]") and the TSIG key file's absolute path (the secret
    /// stays in that file, never in renewal.json).
    public var dnsUpdate: String?
    public var tsigKey: String?
    /// The servers that must answer the TXT record before the CA is asked; nil: the zone's NS hosts.
    public var dnsAuthoritative: [String]?
    public var preferredChain: String?
    public var keyType: String?
    /// The CA's certificate profile (draft-ietf-acme-profiles), e.g. Let's Encrypt's `shortlived`; nil: its default.
    public var profile: String?

    public enum Challenge: String, Codable, Sendable {
        case http01 = "http-01"
        case dns01 = "dns-01"
    }

    public init(
        server: String, hostnames: [String], caBundle: String? = nil, email: String? = nil, challenge: Challenge = .http01,
        httpAddress: String? = nil, httpPort: Int? = nil, webroot: String? = nil, dnsHook: String? = nil,
        preferredChain: String? = nil, keyType: String? = nil, profile: String? = nil, dnsUpdate: String? = nil,
        tsigKey: String? = nil, dnsAuthoritative: [String]? = nil
    ) {
        self.dnsUpdate = dnsUpdate
        // Absolute, so a renewal run from the timer (another working directory) finds the same file.
        self.tsigKey = tsigKey.map { URL(fileURLWithPath: $0).path }
        self.dnsAuthoritative = dnsAuthoritative?.isEmpty == true ? nil : dnsAuthoritative
        self.server = server
        self.hostnames = hostnames
        self.caBundle = caBundle
        self.email = email
        self.challenge = challenge
        self.httpAddress = httpAddress
        self.httpPort = httpPort
        self.webroot = webroot
        self.dnsHook = dnsHook
        self.preferredChain = preferredChain
        self.keyType = keyType
        self.profile = profile
    }

    /// Directory URLs for the names people use.
    public static let knownServers = [
        "letsencrypt": "https://acme-v02.api.letsencrypt.org/directory",
        "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    ]

    /// `--server`'s value as a directory URL: a known name, or an https URL (http only for loopback test CAs).
    public static func directoryURL(_ server: String) throws -> String {
        if let known = knownServers[server] { return known }
        guard let url = URL(string: server), let scheme = url.scheme, url.host != nil, scheme == "https" || scheme == "http" else {
            throw MailcertError(
                .badInput,
                "--server \(server) is neither a directory URL nor one of \(knownServers.keys.sorted().joined(separator: ", "))")
        }
        return server
    }
}
