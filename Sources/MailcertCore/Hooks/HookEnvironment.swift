import Foundation

/// The environment a hook runs with: the `MAILCERT_*` contract of DESIGN.md section 6, certbot's `RENEWED_LINEAGE`
/// and `RENEWED_DOMAINS` (so deploy hooks written for certbot run unchanged), a `PATH`, and nothing else.
///
/// Hooks never inherit mailcert's own environment: a credential in the caller's environment (an EAB key, a cloud
/// token for a DNS hook) must not leak into a reload script, and a hook must behave the same from a terminal and
/// from the systemd timer. Values reach the hook as environment only, never through a shell, so a hostname cannot
/// become a command.
public struct HookEnvironment: Equatable, Sendable {
    /// The variable names, as constants (lego's hook metadata): hooks and their tests spell them from here.
    public enum Variable {
        /// The certificate's name in the store.
        public static let name = "MAILCERT_NAME"
        /// Its hostnames, separated by single spaces.
        public static let domains = "MAILCERT_DOMAINS"
        /// The leaf certificate (PEM).
        public static let certificate = "MAILCERT_CERT"
        /// The private key (PEM).
        public static let key = "MAILCERT_KEY"
        /// Leaf followed by the issuing chain (PEM).
        public static let fullchain = "MAILCERT_FULLCHAIN"
        /// The service the certificate is bound to (`postfix`, `smtp`, ...); empty when it is bound to none.
        public static let service = "MAILCERT_SERVICE"
        /// Every contract variable, in the order of DESIGN.md.
        public static let all = [name, domains, certificate, key, fullchain, service]
        /// certbot's: the certificate's `current/` directory, holding `privkey.pem`, `fullchain.pem`, `cert.pem` and
        /// `chain.pem` as certbot's live/NAME does; empty for pre and post hooks.
        public static let renewedLineage = "RENEWED_LINEAGE"
        /// certbot's: the hostnames, separated by single spaces (the same as `MAILCERT_DOMAINS`).
        public static let renewedDomains = "RENEWED_DOMAINS"
        /// The certbot variables, set beside the contract.
        public static let certbot = [renewedLineage, renewedDomains]
    }

    /// The PATH a hook gets unless the caller passes one: system directories only, never the current directory.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public var name: String
    public var domains: [String]
    public var certificate: String
    public var key: String
    public var fullchain: String
    public var service: String
    /// The directory holding the files in service (`RENEWED_LINEAGE`); empty when there is no one certificate.
    public var lineage: String
    /// PATH for the hook; when nil, `extra["PATH"]`, else `defaultPath`.
    public var path: String?
    /// Further variables the caller chose to pass on (e.g. `LANG`); the contract variables win over these.
    public var extra: [String: String]

    public init(
        name: String, domains: [String], certificate: String, key: String, fullchain: String, service: String = "",
        lineage: String = "", path: String? = nil, extra: [String: String] = [:]
    ) {
        self.name = name
        self.domains = domains
        self.certificate = certificate
        self.key = key
        self.fullchain = fullchain
        self.service = service
        self.lineage = lineage
        self.path = path
        self.extra = extra
    }

    /// The contract for the version of `name` in service, by its stable `current/` paths: the paths a daemon is
    /// configured with, which stay valid across later renewals.
    public init(current version: StoredVersion, files: ServedFiles, service: String = "", hookPath: String? = nil) {
        self.init(
            name: version.name, domains: version.metadata.hostnames, certificate: files.certificate.path,
            key: files.key.path, fullchain: files.fullchain.path, service: service, lineage: files.directory.path,
            path: hookPath)
    }

    /// The complete environment of the hook process.
    public var variables: [String: String] {
        var result = extra
        result["PATH"] = path ?? extra["PATH"] ?? Self.defaultPath
        result[Variable.name] = name
        result[Variable.domains] = domains.joined(separator: " ")
        result[Variable.certificate] = certificate
        result[Variable.key] = key
        result[Variable.fullchain] = fullchain
        result[Variable.service] = service
        result[Variable.renewedLineage] = lineage
        result[Variable.renewedDomains] = domains.joined(separator: " ")
        return result
    }
}
