import Foundation
import MailcertCrypto

/// The one place where paths inside the state directory are formed.
///
/// ```
/// STATE/certs/<name>/versions/<n>/{key.pem,privkey.pem,cert.pem,chain.pem,fullchain.pem,meta.json}
/// STATE/certs/<name>/current -> versions/<n>
/// STATE/certs/<name>/pending/{key.pem,csr.pem,request.json}   (a CSR waiting for `import`)
/// STATE/certs/<name>/next-key.pem                            (pre-generated next key, for DANE rollover)
/// STATE/certs/<name>/renewal.json                           (the ACME options renewals repeat)
/// STATE/certs/<name>/ari.json                               (the CA's last renewal information, RFC 9773)
/// STATE/accounts/<directory-host>/<id>/{account.json,key.pem,key.next.pem}
/// STATE/{bindings,deploy,proofs,listener}.json
/// STATE/hooks/{pre,deploy,post}/                             (executables run around renewals, in name order)
/// STATE/metrics/{mailcert.prom,state.json}                   (Prometheus textfile, and the history behind it)
/// STATE/lock, STATE/renew.lock
/// ```
///
/// Only `FileCertificateStore` (and the hook runner, for STATE/hooks) opens what these name.
public struct StatePaths: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public var lock: URL { root.appendingPathComponent("lock") }
    /// Held for a whole `renew` run, so two runs (a timer and an admin) never order the same certificates twice.
    public var renewLock: URL { root.appendingPathComponent("renew.lock") }
    public var certs: URL { root.appendingPathComponent("certs", isDirectory: true) }
    public var accounts: URL { root.appendingPathComponent("accounts", isDirectory: true) }
    public var bindings: URL { root.appendingPathComponent("bindings.json") }
    public var deployRecords: URL { root.appendingPathComponent("deploy.json") }
    public var proofTargets: URL { root.appendingPathComponent("proofs.json") }
    public var listenerEndpoints: URL { root.appendingPathComponent("listener.json") }
    public var hooks: URL { root.appendingPathComponent("hooks", isDirectory: true) }
    public var metrics: URL { root.appendingPathComponent("metrics", isDirectory: true) }
    public var metricsState: URL { metrics.appendingPathComponent("state.json") }
    /// The node exporter's textfile collector reads this one.
    public var metricsExposition: URL { metrics.appendingPathComponent("mailcert.prom") }

    public func certificate(_ name: String) -> URL { certs.appendingPathComponent(name, isDirectory: true) }
    public func versions(_ name: String) -> URL { certificate(name).appendingPathComponent("versions", isDirectory: true) }
    public func version(_ name: String, _ number: Int) -> URL {
        versions(name).appendingPathComponent(String(number), isDirectory: true)
    }
    public func current(_ name: String) -> URL { certificate(name).appendingPathComponent("current") }
    public func renewalOptions(_ name: String) -> URL { certificate(name).appendingPathComponent("renewal.json") }
    public func renewalInfo(_ name: String) -> URL { certificate(name).appendingPathComponent("ari.json") }
    public func nextKey(_ name: String) -> URL { certificate(name).appendingPathComponent("next-key.pem") }
    public func pending(_ name: String) -> URL { certificate(name).appendingPathComponent("pending", isDirectory: true) }
    public func pendingFile(_ name: String, _ file: String) -> URL { pending(name).appendingPathComponent(file) }

    /// One CA's account directory: the directory URL's host (and port), then a digest of the whole URL.
    public func account(_ directoryURL: String) -> URL {
        let url = URL(string: directoryURL)
        let host = url.flatMap { url in url.host.map { $0 + (url.port.map { "_\($0)" } ?? "") } } ?? "unknown"
        let id = String(Digest.sha256.thumbprint(Array(directoryURL.utf8)).prefix(16)).lowercased()
        return accounts.appendingPathComponent(host, isDirectory: true).appendingPathComponent(id, isDirectory: true)
    }
    public func accountKey(_ directoryURL: String) -> URL { account(directoryURL).appendingPathComponent("key.pem") }
    public func accountNextKey(_ directoryURL: String) -> URL {
        account(directoryURL).appendingPathComponent("key.next.pem")
    }
    public func accountRecord(_ directoryURL: String) -> URL {
        account(directoryURL).appendingPathComponent("account.json")
    }

    /// The default state directory of DESIGN.md: /var/lib/mailcert for root, else $XDG_STATE_HOME/mailcert
    /// (or ~/.local/state/mailcert). The caller passes in what it read from the environment.
    public static func defaultRoot(isRoot: Bool, xdgStateHome: String?, home: String?) -> URL {
        if isRoot { return URL(fileURLWithPath: "/var/lib/mailcert", isDirectory: true) }
        if let xdgStateHome, xdgStateHome.hasPrefix("/") {
            return URL(fileURLWithPath: xdgStateHome, isDirectory: true).appendingPathComponent("mailcert")
        }
        let base = home.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return base.appendingPathComponent(".local/state/mailcert", isDirectory: true)
    }
}

/// The file names inside one version directory.
public enum VersionFile: String, CaseIterable, Sendable {
    case key = "key.pem"
    /// The same bytes as `key.pem` under certbot's name, so scripts written for certbot's live/NAME layout work.
    case privateKey = "privkey.pem"
    case certificate = "cert.pem"
    case chain = "chain.pem"
    case fullchain = "fullchain.pem"
    case metadata = "meta.json"
}
